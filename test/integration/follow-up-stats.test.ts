import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runFollowUps } from "../../src/follow-ups/run";
import {
	deliver,
	IPHONE_SAFARI,
	type MintedLink,
	mint,
	newCampaign,
	newWorkspace,
	tapCapturing,
	WHATSAPP,
} from "../support/helpers";
import { capturingQueue } from "../support/queues";
import { api, baseEnv, runSends, type TestEnv } from "../support/sms-harness";
import {
	inboundMessage,
	newTwilioAccount,
	statusCallback,
	type TwilioAccount,
	twilioEnv,
	twilioRequests,
	webhookRequest,
} from "../support/twilio";

// One campaign's follow-up, told day by day on a fixed calendar (the clock is moved, nothing else is faked but
// Twilio, at the HTTP level): links minted and tapped through the redirect, purchases reported through the API,
// the cron run at its moments, the follow-ups sent through the send consumer and settled by Twilio's receipts.

const PUBLIC_URL = "https://tap.example";
const SENDER = "+15005550006";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 1 June 2026, 00:00 UTC; at(1, 10) is 10:00 UTC the next day. */
const DAY_ONE = Date.UTC(2026, 5, 1);
const at = (day: number, hour: number, minute = 0) => DAY_ONE + day * DAY + hour * HOUR + minute * 60_000;

interface FollowUpItem {
	contactId: string;
	phone: string | null;
	externalId: string | null;
	status: string;
	reason: string | null;
	heldBy: string | null;
	firstTapAt: number;
	windowOpensAt: number;
	windowClosesAt: number;
	retryAt: number | null;
	decidedAt: number;
	message: {
		id: string;
		status: string;
		sentAt: number | null;
		deliveredAt: number | null;
		errorCode: string | null;
	} | null;
	followUpLink: { code: string; firstHumanTapAt: number | null } | null;
}

interface Story {
	account: TwilioAccount;
	appEnv: TestEnv;
	key: string;
	campaignId: string;
	people: Record<string, MintedLink>;
	followUpCodes: Record<string, string>;
	runs: Awaited<ReturnType<typeof runFollowUps>>[];
}

let story: Story;

/**
 * The campaign: follow-up 2 hours after the first tap, for 4 hours. Workspace defaults: a 24-hour frequency cap,
 * a 7-day attribution window. Everyone taps at 10:00 on day one (W at 13:00), so windows run 12:00–16:00.
 *   A, B, C  sent at 12:10: A delivered, taps it and buys (80 USD by its click id, 20 USD the next day by phone,
 *            999 USD nine days on, outside every window); B delivered, then erased; C undelivered, buys 30 USD
 *            by phone (attributed to the campaign link, but it counts in the recovery comparison).
 *   S        sent at 12:10, buys at 12:15: the sender cancels the follow-up.
 *   Q        asleep at 12:10 (UTC−10): waits for 08:00 local, 18:00 UTC, by when the window has passed; buys
 *            45.50 EUR at 19:00.
 *   K        texted by the campaign at 09:30: capped until 09:30 the next day.
 *   W        taps at 13:00; asleep at 18:05 (UTC+8): waiting.
 *   P        bought at 11:00, before the window: skipped.   O  texted STOP at 11:00: skipped.
 *   N        only a link preview fetched the link: not looked at.
 */
async function tellStory(): Promise<Story> {
	vi.setSystemTime(at(0, 9));
	const account = newTwilioAccount();
	const appEnv = {
		...env,
		...twilioEnv(account),
		TWILIO_FROM: SENDER,
		PUBLIC_URL,
	} as TestEnv;
	const { key } = await newWorkspace("Follow-up Shoes");
	const campaignId = await newCampaign(key, {
		name: "Summer",
		followUp: { enabled: true, afterHours: 2, windowHours: 4, message: "Still deciding? {link}" },
	});
	const zones: Record<string, string> = { Q: "Etc/GMT+10", W: "Etc/GMT-8" };
	const names = ["A", "B", "C", "S", "Q", "K", "W", "P", "O", "N"];
	const links = await mint(
		key,
		campaignId,
		names.map((name, i) => ({
			phone: `+1415555${String(2670 + i)}`,
			externalId: `ext-${name}`,
			timezone: zones[name] ?? "Etc/UTC",
		})),
	);
	const people = Object.fromEntries(names.map((name, i) => [name, links[i] as MintedLink]));
	const person = (name: string) => people[name] as MintedLink;

	const tap = async (code: string, userAgent = IPHONE_SAFARI) => {
		const { response, sent } = await tapCapturing(`/${code}`, { headers: { "user-agent": userAgent } });
		expect(response.status).toBe(302);
		await deliver(sent);
		return new URL(response.headers.get("location") ?? "").searchParams.get("tlid") ?? "";
	};
	const buy = async (orderId: string, value: number, currency: string, who: { tlid?: string; phone?: string }) => {
		const { response, events } = await api(appEnv, "/api/v1/conversions", {
			key,
			json: { orderId, value, currency, ...who },
		});
		expect(response.status).toBe(202);
		expect((await deliver(events.map((e) => e.body))).explicitAcks).toHaveLength(1);
	};
	const receipt = async (sid: string, status: string, errorCode?: number) => {
		const webhook = await statusCallback(account, sid, status, errorCode);
		const { response, events } = await api(appEnv, "", { request: webhookRequest(webhook) });
		expect(response.status).toBe(204);
		await deliver(events.map((e) => e.body));
	};
	const cron = async (time: number) => {
		vi.setSystemTime(time);
		const sends = capturingQueue();
		const run = await runFollowUps({ ...appEnv, SENDS: sends }, time);
		return { run, sends: sends.sent.map((m) => m.body) };
	};

	// 09:30: the campaign's own SMS to K.
	vi.setSystemTime(at(0, 9, 30));
	const sent = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
		key,
		json: { recipients: [{ phone: person("K").phone }], message: "Summer sale: {link}" },
	});
	expect(sent.response.status).toBe(202);
	await runSends(
		appEnv,
		sent.sends.map((m) => m.body),
	);

	vi.setSystemTime(at(0, 10));
	const tlids: Record<string, string> = {};
	for (const name of ["A", "B", "C", "S", "Q", "K", "P", "O"]) tlids[name] = await tap(person(name).code);
	await tap(person("N").code, WHATSAPP);

	vi.setSystemTime(at(0, 11));
	await buy("P-1", 25, "USD", { tlid: tlids.P });
	const stop = await inboundMessage(account, {
		from: person("O").phone,
		to: SENDER,
		body: "STOP",
		url: `${PUBLIC_URL}/api/v1/webhooks/twilio/inbound`,
	});
	expect((await api(appEnv, "", { request: webhookRequest(stop) })).response.status).toBe(200);

	const first = await cron(at(0, 12, 10));

	vi.setSystemTime(at(0, 12, 15));
	await buy("S-1", 15, "USD", { phone: person("S").phone });

	vi.setSystemTime(at(0, 12, 20));
	await runSends(appEnv, first.sends);
	const calls = (await twilioRequests(account)).filter((c) => c.params.Body?.startsWith("Still deciding?"));
	const sidOf = (name: string) => calls.find((c) => c.params.To === person(name).phone)?.response.sid as string;
	const followUpCodes = Object.fromEntries(
		calls.map((c) => {
			const name = names.find((n) => person(n).phone === c.params.To) as string;
			return [name, String(c.params.Body?.match(/tap\.example\/([0-9A-Za-z]+)$/)?.[1])];
		}),
	);

	vi.setSystemTime(at(0, 12, 25));
	await receipt(sidOf("A"), "sent");
	await receipt(sidOf("A"), "delivered");
	await receipt(sidOf("B"), "delivered");
	await receipt(sidOf("C"), "sent");
	await receipt(sidOf("C"), "undelivered", 30003);

	vi.setSystemTime(at(0, 13));
	const followUpTlid = await tap(followUpCodes.A as string);
	await tap(person("W").code);

	vi.setSystemTime(at(0, 13, 30));
	await buy("A-1", 80, "USD", { tlid: followUpTlid });
	vi.setSystemTime(at(0, 14));
	await buy("C-1", 30, "USD", { phone: person("C").phone });

	const second = await cron(at(0, 18, 5));
	vi.setSystemTime(at(0, 19));
	await buy("Q-1", 45.5, "EUR", { phone: person("Q").phone });

	vi.setSystemTime(at(1, 10));
	await buy("A-2", 20, "USD", { phone: person("A").phone });
	vi.setSystemTime(at(1, 10, 5));
	const erased = await api(appEnv, `/api/v1/contacts/${person("B").contactId}`, { key, method: "DELETE" });
	expect(erased.response.status).toBe(200);

	vi.setSystemTime(at(9, 10));
	await buy("A-3", 999, "USD", { phone: person("A").phone });
	vi.setSystemTime(at(9, 10, 5));
	return { account, appEnv, key, campaignId, people, followUpCodes, runs: [first.run, second.run] };
}

beforeAll(async () => {
	vi.useFakeTimers({ toFake: ["Date"] });
	story = await tellStory();
});

afterAll(() => {
	vi.useRealTimers();
});

async function statsOf(key: string, campaignId: string) {
	const { response } = await api(baseEnv, `/api/v1/campaigns/${campaignId}/stats`, { key });
	expect(response.status).toBe(200);
	return response.json<{
		followUps: Record<string, unknown>;
		byVariant: {
			variant: string;
			purchases: {
				orders: number;
				revenue: Record<string, number>;
				byWindow: { days: number; orders: number; revenue: Record<string, number> }[];
			};
		}[];
	}>();
}

async function listing(query = "", key = story.key, campaignId = story.campaignId) {
	const { response } = await api(baseEnv, `/api/v1/campaigns/${campaignId}/follow-ups${query}`, { key });
	return { response, body: await response.json<{ followUps: FollowUpItem[]; nextCursor: string | null }>() };
}

const idOf = (name: string) => story.people[name]?.contactId as string;
const namesOf = (items: FollowUpItem[]) =>
	items.map((item) => Object.keys(story.people).find((name) => idOf(name) === item.contactId));

describe("the cron's decisions in this story", () => {
	it("should be what each contact's day calls for", () => {
		expect(story.runs[0]).toMatchObject({
			considered: 8,
			queued: 4,
			waiting: { quiet_hours: 1, capped: 1, opted_out: 1 },
			skipped: { purchased: 1 },
		});
		expect(story.runs[1]).toMatchObject({
			considered: 3,
			queued: 0,
			waiting: { quiet_hours: 1 },
			skipped: { window_passed: 1, opted_out: 1 },
		});
	});
});

describe("follow-up stats", () => {
	it("should show the funnel from eligible to revenue, and recovery against the contacts held back", async () => {
		const { followUps } = await statsOf(story.key, story.campaignId);
		expect(followUps).toEqual({
			enabled: true,
			// A, B, C sent; K and W held back, still waiting; Q held back until the window passed.
			eligible: 6,
			sent: 3,
			waiting: { quiet_hours: 1, capped: 1, opted_out: 0 },
			// P and S bought first (S after the cron claimed its follow-up); O opted out; Q's window passed.
			skipped: { purchased: 2, opted_out: 1, window_passed: 1 },
			messages: {
				total: 4,
				pending: 0,
				queued: 0,
				sent: 3,
				delivered: 2,
				undelivered: 1,
				failed: 0,
				canceled: 1,
				unknown: 0,
				deliveryRate: 0.6667,
				tapped: 1,
				clickThroughOnDelivered: 0.5,
				// A's receipt at 12:25, her tap at 13:00.
				deliveryToFirstTapSeconds: { median: 2100, average: 2100 },
			},
			tapped: 1,
			clickThroughRate: 0.3333,
			// A's 80 (click id) and 20 (her last tap, the follow-up's, 21 hours before); not her 999 nine days on.
			purchases: {
				attributionWindowDays: 7,
				purchasers: 1,
				orders: 2,
				revenue: { USD: 100 },
				conversionRate: 1,
				conversionRateOnDelivered: 0.5,
				revenuePerMessageSent: { USD: 33.3333 },
			},
			recovery: {
				days: 7,
				// A's 100 and C's 30, whatever they are attributed to; from 12:00 on day one for 7 days.
				followedUp: {
					contacts: 3,
					purchasers: 2,
					conversionRate: 0.6667,
					revenue: { USD: 130 },
					revenuePerContact: { USD: 43.3333 },
				},
				// Q, K and W; Q bought.
				heldBack: {
					contacts: 3,
					purchasers: 1,
					conversionRate: 0.3333,
					revenue: { EUR: 45.5 },
					revenuePerContact: { EUR: 15.1667 },
				},
			},
		});
	});

	it("should count the follow-up's purchases as its variant does in the campaign's own stats", async () => {
		const { followUps, byVariant } = await statsOf(story.key, story.campaignId);
		const variant = byVariant.find((v) => v.variant === "followup");
		const purchases = followUps.purchases as { orders: number; revenue: Record<string, number> };
		expect(variant?.purchases).toMatchObject({ orders: purchases.orders, revenue: purchases.revenue });
		// A's 999, nine days after her tap on the follow-up link, is the link's too: under a 30-day window.
		expect(variant?.purchases.byWindow.find((w) => w.days === 30)).toMatchObject({ orders: 3, revenue: { USD: 1099 } });
	});

	it("should show zeros and no rates for a campaign whose follow-up never ran", async () => {
		const { key } = await newWorkspace("Quiet Shop");
		const campaignId = await newCampaign(key);
		const cohort = { contacts: 0, purchasers: 0, conversionRate: null, revenue: {}, revenuePerContact: {} };
		expect((await statsOf(key, campaignId)).followUps).toMatchObject({
			enabled: false,
			eligible: 0,
			sent: 0,
			waiting: { quiet_hours: 0, capped: 0, opted_out: 0 },
			skipped: { purchased: 0, opted_out: 0, window_passed: 0 },
			messages: { total: 0, deliveryRate: null, deliveryToFirstTapSeconds: { median: null, average: null } },
			tapped: 0,
			clickThroughRate: null,
			purchases: { purchasers: 0, orders: 0, revenue: {}, conversionRate: null, revenuePerMessageSent: {} },
			recovery: { days: 7, followedUp: cohort, heldBack: cohort },
		});
	});
});

describe("GET /api/v1/campaigns/:id/follow-ups", () => {
	it("should list every contact the cron looked at, newest first tap first, with its message and link", async () => {
		const { response, body } = await listing();
		expect(response.status).toBe(200);
		expect(body.nextCursor).toBeNull();
		// W tapped last; the rest tapped at 10:00 and come by contact id, descending. N was never looked at.
		expect(namesOf(body.followUps)[0]).toBe("W");
		expect(namesOf(body.followUps).sort()).toEqual(["A", "B", "C", "K", "O", "P", "Q", "S", "W"]);
		const rest = body.followUps.slice(1).map((f) => f.contactId);
		expect(rest).toEqual([...rest].sort().reverse());

		const row = (name: string) => body.followUps.find((f) => f.contactId === idOf(name));
		const window = { windowOpensAt: at(0, 12), windowClosesAt: at(0, 16) };
		expect(row("A")).toEqual({
			contactId: idOf("A"),
			phone: story.people.A?.phone,
			externalId: "ext-A",
			status: "sent",
			reason: null,
			heldBy: null,
			firstTapAt: at(0, 10),
			...window,
			retryAt: null,
			decidedAt: at(0, 12, 10),
			message: {
				id: expect.stringMatching(/^msg_/),
				status: "delivered",
				sentAt: at(0, 12, 25),
				deliveredAt: at(0, 12, 25),
				errorCode: null,
			},
			followUpLink: { code: story.followUpCodes.A, firstHumanTapAt: at(0, 13) },
		});
		// Erased the next day: who it was is gone, what happened stays.
		expect(row("B")).toMatchObject({
			phone: null,
			externalId: null,
			status: "sent",
			message: { status: "delivered", deliveredAt: at(0, 12, 25) },
			followUpLink: { code: story.followUpCodes.B, firstHumanTapAt: null },
		});
		expect(row("C")).toMatchObject({ message: { status: "undelivered", errorCode: "30003", deliveredAt: null } });
		// Claimed at 12:10, cancelled by the sender at 12:20: S had bought at 12:15.
		expect(row("S")).toMatchObject({
			status: "skipped",
			reason: "purchased",
			decidedAt: at(0, 12, 20),
			message: { status: "canceled", sentAt: null },
			followUpLink: { firstHumanTapAt: null },
		});
		expect(row("Q")).toMatchObject({
			status: "skipped",
			reason: "window_passed",
			heldBy: "quiet_hours",
			retryAt: null,
			decidedAt: at(0, 18, 5),
			message: null,
			followUpLink: null,
		});
		// K's campaign SMS went out at 09:30: the 24-hour cap holds until 09:30 the next day.
		expect(row("K")).toMatchObject({
			status: "waiting",
			reason: "capped",
			retryAt: at(1, 9, 30),
			decidedAt: at(0, 12, 10),
		});
		// 18:05 UTC is 02:05 at UTC+8: W waits for 08:00 there.
		expect(row("W")).toMatchObject({
			status: "waiting",
			reason: "quiet_hours",
			firstTapAt: at(0, 13),
			windowOpensAt: at(0, 15),
			windowClosesAt: at(0, 19),
			retryAt: at(1, 0),
		});
		expect(row("P")).toMatchObject({ status: "skipped", reason: "purchased", message: null, decidedAt: at(0, 12, 10) });
		expect(row("O")).toMatchObject({ status: "skipped", reason: "opted_out", decidedAt: at(0, 18, 5) });
	});

	it("should page through the list with an opaque cursor, each contact once", async () => {
		const { body: all } = await listing();
		const pages: FollowUpItem[][] = [];
		let cursor: string | null = "";
		while (cursor !== null) {
			const { response, body } = await listing(`?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
			expect(response.status).toBe(200);
			pages.push(body.followUps);
			cursor = body.nextCursor;
		}
		expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
		expect(pages.flat()).toEqual(all.followUps);
	});

	it("should filter by status and by reason", async () => {
		expect(namesOf((await listing("?status=waiting")).body.followUps)).toEqual(["W", "K"]);
		expect(namesOf((await listing("?status=sent")).body.followUps).sort()).toEqual(["A", "B", "C"]);
		expect(namesOf((await listing("?reason=purchased")).body.followUps).sort()).toEqual(["P", "S"]);
		expect(namesOf((await listing("?reason=capped")).body.followUps)).toEqual(["K"]);
		expect(namesOf((await listing("?status=skipped&reason=window_passed")).body.followUps)).toEqual(["Q"]);
		expect(namesOf((await listing("?reason=opted_out")).body.followUps)).toEqual(["O"]);
		expect((await listing("?status=sent&reason=purchased")).body.followUps).toEqual([]);
		const paged = await listing("?status=waiting&limit=1");
		expect(namesOf(paged.body.followUps)).toEqual(["W"]);
		const next = await listing(`?status=waiting&limit=1&cursor=${paged.body.nextCursor}`);
		expect(namesOf(next.body.followUps)).toEqual(["K"]);
		expect(next.body.nextCursor).toBeNull();
	});

	it("should answer 400 for a bad status, reason, limit or cursor", async () => {
		for (const query of [
			"?status=pending",
			"?reason=bored",
			"?limit=0",
			"?limit=501",
			"?limit=ten",
			"?cursor=garbage",
			`?cursor=${btoa("hello")}`,
		]) {
			const { response, body } = await listing(query);
			expect(response.status, query).toBe(400);
			expect((body as unknown as { error: { code: string; message: string } }).error).toMatchObject({
				code: "bad_request",
				message: expect.any(String),
			});
		}
	});

	it("should answer 404 for another workspace's campaign and 401 without a key", async () => {
		const other = await newWorkspace("Someone Else");
		const { response, body } = await listing("", other.key);
		expect(response.status).toBe(404);
		expect((body as unknown as { error: { code: string } }).error.code).toBe("not_found");
		expect((await listing("", "")).response.status).toBe(401);
		expect((await listing("", story.key, "cmp_missing")).response.status).toBe(404);
	});
});
