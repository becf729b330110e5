// The demo's timeline, decided up front from a seeded generator: four campaigns on past days, who receives each,
// what becomes of each SMS, who previews, taps, buys or texts STOP, and when. Only the follow-ups are not planned
// here: the real cron decides who gets one, and `reactTo` then plans what those people do (src/demo/seed/run.ts).
import { createPeople, FETCHERS, type Fetcher, type Person, type Random } from "./people.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Steps are grouped onto ticks of this length: the clock is set once per tick. */
export const TICK = 5 * MINUTE;
/**
 * The daily cron run: 18:01 UTC, daytime in the demo's countries (quiet hours do not apply to the outbox anyway).
 * Not on a tick, so that a tap made on the 18:00 tick is a full day old at the next day's run, not 0 ms short of it.
 */
const CRON_AT = 18 * HOUR + MINUTE;

export type Stage = "awareness" | "consideration" | "purchase" | "retention";

export interface Behaviour {
	/** Share of delivered recipients who tap the link. */
	tapRate: number;
	/** Share of tappers who buy. */
	buyRate: number;
	/** Median order value, in USD. */
	orderValue: number;
}

export interface CampaignSpec {
	key: Stage;
	name: string;
	daysAgo: number;
	hourUtc: number;
	/** Share of the recipients of the whole demo. */
	share: number;
	destinationUrl: string;
	variants: ({ name: string | null; message: string } & Behaviour)[];
	/** Who is texted, in this order: earlier buyers, earlier tappers, earlier recipients (shares of the audience). */
	audience: { purchasers: number; tappers: number; previous: number };
	followUp: ({ message: string } & Behaviour) | null;
}

const STOP = "Reply STOP to opt out";
export const CAMPAIGNS: readonly CampaignSpec[] = [
	{
		key: "awareness",
		name: "Autumn Welcome",
		daysAgo: 21,
		hourUtc: 15,
		share: 0.35,
		destinationUrl: "https://shop.example/autumn?ref=sms",
		variants: [
			{
				name: null,
				message: `Hi {firstName|there}, welcome to Demo Shop! Our autumn collection just landed: {link} ${STOP}`,
				tapRate: 0.11,
				buyRate: 0.05,
				orderValue: 48,
			},
		],
		audience: { purchasers: 0, tappers: 0, previous: 0 },
		followUp: null,
	},
	{
		key: "consideration",
		name: "Mid-Season Sale",
		daysAgo: 14,
		hourUtc: 16,
		share: 0.3,
		destinationUrl: "https://shop.example/sale?ref=sms",
		variants: [
			{
				name: "A",
				message: `{firstName|Hi}, 20% off everything this week at Demo Shop: {link} ${STOP}`,
				tapRate: 0.13,
				buyRate: 0.07,
				orderValue: 62,
			},
			{
				name: "B",
				message: `{firstName|Hi}, free shipping + 20% off, this week only. Pick yours: {link} ${STOP}`,
				tapRate: 0.21,
				buyRate: 0.12,
				orderValue: 66,
			},
		],
		audience: { purchasers: 0, tappers: 0, previous: 0.55 },
		followUp: {
			message: `Still thinking it over? Your 20% off ends Sunday: {link} ${STOP}`,
			tapRate: 0.3,
			buyRate: 0.2,
			orderValue: 58,
		},
	},
	{
		key: "purchase",
		name: "48-Hour Flash Sale",
		daysAgo: 7,
		hourUtc: 17,
		share: 0.22,
		destinationUrl: "https://shop.example/flash?ref=sms",
		variants: [
			{
				name: null,
				message: `Flash sale, {firstName|friend}: 30% off for 48 hours only. {link} ${STOP}`,
				tapRate: 0.24,
				buyRate: 0.15,
				orderValue: 75,
			},
		],
		audience: { purchasers: 0, tappers: 0.45, previous: 0.3 },
		followUp: {
			message: `Your flash sale discount ends tonight: {link} ${STOP}`,
			tapRate: 0.32,
			buyRate: 0.25,
			orderValue: 70,
		},
	},
	{
		key: "retention",
		name: "VIP Early Access",
		daysAgo: 2,
		hourUtc: 16,
		share: 0.13,
		destinationUrl: "https://shop.example/vip?ref=sms",
		variants: [
			{
				name: null,
				message: `{firstName|Hi}, thanks for shopping with us! VIP early access to the winter drop: {link} ${STOP}`,
				tapRate: 0.31,
				buyRate: 0.2,
				orderValue: 95,
			},
		],
		audience: { purchasers: 1, tappers: 1, previous: 1 },
		followUp: null,
	},
];

export interface LinkRef {
	campaign: Stage;
	phone: string;
	kind: "campaign" | "followup";
}

export interface TapStep {
	kind: "tap";
	at: number;
	link: LinkRef;
	person: Person;
	userAgent: string;
	human: boolean;
	/** A browser's speculative load (`Sec-Purpose: prefetch`), answered 503 and counted as a bot. */
	prefetch: boolean;
	/** Set once the tap has been made (or skipped, its link not sent), with the click id the redirect answered. */
	done?: { tlid: string | null };
}
export interface StopStep {
	kind: "stop";
	at: number;
	person: Person;
}
export interface SendStep {
	kind: "send";
	at: number;
	campaign: CampaignPlan;
}
export interface CronStep {
	kind: "cron";
	at: number;
}
export type Step = TapStep | StopStep | SendStep | CronStep;

export interface Purchase {
	at: number;
	orderId: string;
	value: number;
	currency: string;
	phone: string;
	/** Reported with the click id of this tap (as a shop's server that kept `tlid` would), else by phone. */
	tap: TapStep | null;
}

export interface Delivery {
	status: "delivered" | "undelivered" | "failed";
	at: number;
	errorCode: string | null;
}

export interface Recipient {
	person: Person;
	variant: string | null;
	delivery: Delivery;
}

export interface CampaignPlan {
	spec: CampaignSpec;
	sendAt: number;
	recipients: Recipient[];
}

export interface Plan {
	people: Person[];
	campaigns: CampaignPlan[];
	steps: Step[];
	purchases: Purchase[];
	/** Nothing is planned after this moment: the end of the timeline, just before the real now. */
	until: number;
}

/** What one person does with one delivered SMS; taps, STOPs and purchases after `until` are left out. */
export interface Reactions {
	steps: Step[];
	purchases: Purchase[];
}

// Twilio's error codes for messages that did not arrive.
const UNDELIVERED_CODES = ["30003", "30005", "30006", "30007"] as const;
const FAILED_CODES = ["30008", "30034"] as const;
const FX = { USD: 1, CAD: 1.37, GBP: 0.79 } as const;

export function createPlanner(random: Random, until: number) {
	const { people, create } = createPeople(random);
	const tapped = new Map<Person, number>();
	const bought = new Map<Person, number>();
	const stopped = new Map<Person, number>();
	let orders = 0;

	const purchase = (person: Person, at: number, median: number, tap: TapStep | null): Purchase => {
		orders += 1;
		const value = Math.max(12, Math.round(random.logNormal(median, 0.45) * FX[person.currency])) - 0.01;
		const first = bought.get(person);
		if (first === undefined || at < first) bought.set(person, at);
		return {
			at: Math.round(at),
			orderId: `DS-${10_400 + orders}`,
			value,
			currency: person.currency,
			phone: person.phone,
			tap,
		};
	};

	/** Plans what a person does with an SMS delivered at `deliveredAt`. */
	const reactTo = (person: Person, link: LinkRef, deliveredAt: number, behaviour: Behaviour): Reactions => {
		const steps: Step[] = [];
		const purchases: Purchase[] = [];
		const tap = (at: number, userAgent: string, human: boolean, prefetch = false): TapStep => {
			const step: TapStep = { kind: "tap", at: Math.round(at), link, person, userAgent, human, prefetch };
			if (at <= until) steps.push(step);
			return step;
		};
		const fetcher = (at: number, name: Fetcher) => tap(at, FETCHERS[name], false);
		// Messages on Apple devices unfurl the link as the SMS arrives.
		if (person.device !== "android" && random.chance(0.38))
			fetcher(deliveredAt + random.between(2, 40) * 1000, "imessage");
		if (link.kind === "campaign" && random.chance(0.006)) {
			const at = deliveredAt + random.between(2, 180) * MINUTE;
			if (at <= until) {
				steps.push({ kind: "stop", at: Math.round(at), person });
				stopped.set(person, at);
			}
			return { steps, purchases };
		}
		if (!random.chance(behaviour.tapRate)) return { steps, purchases };

		// Most taps come within the hour, some later that day, a few days later.
		const delay = random.weighted([
			[() => MINUTE + random.exponential(12 * MINUTE), 55],
			[() => random.between(1, 12) * HOUR, 30],
			[() => DAY + random.exponential(1.5 * DAY), 15],
		] as const)();
		const firstAt = deliveredAt + Math.max(MINUTE, delay);
		if (person.device === "android" && random.chance(0.05)) tap(firstAt - 1000, person.userAgent, false, true);
		const first = tap(firstAt, person.userAgent, true);
		if (firstAt <= until) {
			const earlier = tapped.get(person);
			if (earlier === undefined || firstAt < earlier) tapped.set(person, firstAt);
		}
		if (random.chance(0.25)) {
			for (let n = random.int(1, 2); n > 0; n--)
				tap(firstAt + random.between(10 * MINUTE, 3 * DAY), person.userAgent, true);
		}
		// Some pass the link on to a chat, whose preview fetches it.
		if (random.chance(0.08)) {
			const app = random.weighted<Fetcher>([
				["whatsapp", 50],
				["facebook", 18],
				["slack", 14],
				["telegram", 12],
				["discord", 6],
			]);
			fetcher(firstAt + random.between(1, 40) * MINUTE, app);
		}
		if (random.chance(0.004)) fetcher(firstAt + random.between(1, 6) * DAY, "googlebot");

		if (random.chance(behaviour.buyRate)) {
			const lag = random.weighted([
				// At least two ticks after the tap: steps are rounded up to their tick, and the purchase must come after it.
				[() => random.between(2 * TICK, 180 * MINUTE), 65],
				[() => random.between(3, 22) * HOUR, 25],
				[() => random.between(1.2, 5) * DAY, 10],
			] as const)();
			const at = firstAt + lag;
			// Two in three shops pass the click id from the landing page on; the others match by phone.
			if (at <= until) purchases.push(purchase(person, at, behaviour.orderValue, random.chance(0.65) ? first : null));
			const again = at + random.between(1, 6) * DAY;
			if (random.chance(0.08) && again <= until) purchases.push(purchase(person, again, behaviour.orderValue, null));
		}
		return { steps, purchases };
	};

	const deliver = (sendAt: number): Delivery => {
		const status = random.weighted([
			["delivered", 95.5],
			["undelivered", 2.5],
			["failed", 2],
		] as const);
		const at = Math.round(sendAt + random.between(4, 75) * 1000);
		if (status === "delivered") return { status, at, errorCode: null };
		return { status, at, errorCode: random.pick(status === "undelivered" ? UNDELIVERED_CODES : FAILED_CODES) };
	};

	const audienceOf = (spec: CampaignSpec, size: number, sendAt: number, previous: Person[]): Person[] => {
		const reachable = (p: Person) => (stopped.get(p) ?? Infinity) > sendAt;
		const chosen = new Set<Person>();
		const take = (pool: Person[], count: number) => {
			for (const person of pool.filter((p) => reachable(p) && !chosen.has(p))) {
				if (chosen.size >= count) return;
				chosen.add(person);
			}
		};
		const { purchasers, tappers, previous: fromPrevious } = spec.audience;
		const before = (times: Map<Person, number>) => [...times].filter(([, at]) => at < sendAt);
		take(random.shuffle(before(bought).map(([p]) => p)), Math.round(size * purchasers));
		// The most recently engaged first, as a marketer picks them (and so some of them are still due a follow-up,
		// which the frequency cap then holds back).
		const recent = before(tapped).sort(([, a], [, b]) => b - a);
		take(
			recent.map(([p]) => p),
			chosen.size + Math.round(size * tappers),
		);
		take(random.shuffle([...previous]), Math.min(size, chosen.size + Math.round(size * fromPrevious)));
		while (chosen.size < size) chosen.add(create());
		return [...chosen];
	};

	return { people, reactTo, deliver, audienceOf, purchase, create };
}
export type Planner = ReturnType<typeof createPlanner>;

/** The tick a step runs on: its time rounded up to the tick, never past the end of the timeline. */
export function tickOf(at: number, until: number): number {
	return Math.min(until, Math.ceil(at / TICK) * TICK);
}

/** Plans the whole demo for `recipients` SMS in all, ending at `until` (the real now, less a margin). */
export function planDemo(random: Random, planner: Planner, recipients: number, until: number): Plan {
	const today = Math.floor(until / DAY) * DAY;
	const steps: Step[] = [];
	const purchases: Purchase[] = [];
	const campaigns: CampaignPlan[] = [];
	const previous: Person[] = [];
	const known = new Set<Person>();
	for (const spec of CAMPAIGNS) {
		const sendAt = today - spec.daysAgo * DAY + spec.hourUtc * HOUR;
		const size = Math.max(4, Math.round(recipients * spec.share));
		const audience = planner.audienceOf(spec, size, sendAt, previous);
		const plan: CampaignPlan = { spec, sendAt, recipients: [] };
		audience.forEach((person, i) => {
			// An even split, alternating, so that both variants get the same mix of people.
			const variant = spec.variants[i % spec.variants.length] ?? spec.variants[0];
			if (!variant) throw new Error(`campaign ${spec.key} has no variant`);
			const delivery = planner.deliver(sendAt);
			plan.recipients.push({ person, variant: variant.name, delivery });
			if (delivery.status !== "delivered") return;
			const link: LinkRef = { campaign: spec.key, phone: person.phone, kind: "campaign" };
			const reactions = planner.reactTo(person, link, delivery.at, variant);
			steps.push(...reactions.steps);
			purchases.push(...reactions.purchases);
		});
		for (const person of audience) {
			if (known.has(person)) continue;
			known.add(person);
			previous.push(person);
		}
		campaigns.push(plan);
		steps.push({ kind: "send", at: sendAt, campaign: plan });
	}
	// A few orders come in that no tap explains: people who bought without tapping, and shoppers Tapline never
	// texted. They show as unattributed.
	for (const person of random.shuffle([...previous]).slice(0, Math.max(2, Math.round(recipients * 0.004)))) {
		const first = campaigns[0]?.sendAt ?? until;
		purchases.push(planner.purchase(person, random.between(first, until), 55, null));
	}
	for (let i = 0; i < Math.max(2, Math.round(recipients / 1_000)); i++) {
		const stranger = planner.create();
		purchases.push(planner.purchase(stranger, random.between(campaigns[0]?.sendAt ?? until, until), 55, null));
	}
	const firstDay = (campaigns[0]?.sendAt ?? until) - ((campaigns[0]?.sendAt ?? until) % DAY) + DAY;
	for (let day = firstDay; day + CRON_AT <= until; day += DAY) {
		steps.push({ kind: "cron", at: day + CRON_AT });
	}
	// And once at the end, so that the last day's follow-ups are decided too.
	steps.push({ kind: "cron", at: until });
	return { people: planner.people, campaigns, steps, purchases: purchases.sort((a, b) => a.at - b.at), until };
}
