// Walks the planned timeline against the seed Worker: the clock is set to each tick, and every step goes through
// Tapline's public HTTP API (campaigns, links, send, lifecycle events, conversions, the Twilio inbound webhook) or
// a short link, as a marketer's systems and their recipients' phones would. Between steps that depend on the
// queues, it waits for the consumers to catch up.
import { createHmac } from "node:crypto";
import { type Api, inPool, waitFor } from "./http.ts";
import type { Person, Random } from "./people.ts";
import {
	type CampaignPlan,
	type CronStep,
	DAY,
	type Plan,
	type Planner,
	type Purchase,
	type SendStep,
	type Stage,
	type Step,
	type StopStep,
	type TapStep,
	tickOf,
} from "./plan.ts";

interface Funnel {
	total: number;
	sent: number;
	delivered: number;
	undelivered: number;
	failed: number;
	canceled: number;
	unknown: number;
}
export interface CampaignStats {
	links: number;
	clicks: { total: number; human: number; bot: number; uniqueHumans: number };
	byReason: Record<string, number>;
	byDay: { value: string; total: number; human: number }[];
	byVariant: { variant: string; links: number; uniqueHumans: number; clickThroughRate: number | null }[];
	messages: Funnel;
	purchases: { purchasers: number; orders: number; revenue: Record<string, number> };
	followUps: {
		enabled: boolean;
		eligible: number;
		sent: number;
		waiting: Record<string, number>;
		skipped: Record<string, number>;
		messages: Funnel;
		tapped: number;
		purchases: { purchasers: number; orders: number; revenue: Record<string, number> };
	};
}
export interface Journey {
	stages: { stage: string; clicks: { total: number }; orders: number }[];
	unattributed: { orders: number };
	outsideWindow: { orders: number };
}
interface MessageRow {
	id: string;
	phone: string | null;
	linkCode: string | null;
	kind: string;
	status: string;
	sentAt: number | null;
	createdAt: number;
}

export interface SeededCampaign {
	id: string;
	name: string;
	stage: Stage;
}

export interface RunOptions {
	api: Api;
	plan: Plan;
	planner: Planner;
	random: Random;
	/** PUBLIC_URL of the seed Worker: Twilio signs the URL it was given, so the STOP replies are signed over it. */
	publicUrl: string;
	twilioAuthToken: string;
	concurrency: number;
	log: (line: string) => void;
}

const SEND_CHUNK = 5_000;
const EVENTS_CHUNK = 1_000;
const ORDER = { send: 0, stop: 1, tap: 2, cron: 3 } as const;
const settled = (m: Funnel) => m.sent + m.failed + m.canceled + m.unknown >= m.total;
const moment = (at: number) => `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;

export async function runTimeline(o: RunOptions): Promise<{ apiKey: string; campaigns: SeededCampaign[] }> {
	const { api, plan, planner, random, log } = o;
	const created = await api.admin<{ apiKey: string }>("/api/v1/workspaces", { name: "Demo Shop" });
	api.useKey(created.apiKey);

	const campaignIds = new Map<Stage, string>();
	const codes = new Map<string, string>();
	const linkKey = (campaign: Stage, phone: string, kind: string) => `${campaign}|${phone}|${kind}`;
	const byPhone = new Map<string, Person>(plan.people.map((p) => [p.phone, p]));
	const seenFollowUps = new Map<Stage, Set<string>>();
	const delivered = new Map<Stage, { campaign: number; followup: number }>();
	const pending: Purchase[] = [...plan.purchases];
	const counts = { clicks: 0, orders: 0, stops: 0, followUps: 0, daySends: [] as string[], dayTaps: 0, dayOrders: 0 };

	// Steps as a stack, latest first: the next tick is at the end.
	type Entry = { step: Step; tick: number; seq: number };
	let seq = 0;
	const entries: Entry[] = [];
	const schedule = (steps: Step[]) => {
		for (const step of steps) {
			// Sends and cron runs keep their exact moment; taps and replies share ticks.
			const tick = step.kind === "send" || step.kind === "cron" ? step.at : tickOf(step.at, plan.until);
			entries.push({ step, tick, seq: seq++ });
		}
		entries.sort((a, b) => b.tick - a.tick || ORDER[b.step.kind] - ORDER[a.step.kind] || b.seq - a.seq);
	};
	schedule(plan.steps);

	const stats = (stage: Stage) => api.get<CampaignStats>(`/api/v1/campaigns/${campaignIds.get(stage)}/stats`);
	const journey = () => api.get<Journey>("/api/v1/journey");
	const drainClicks = () =>
		waitFor(
			`${counts.clicks} taps to be counted`,
			journey,
			(j) => j.stages.reduce((n, s) => n + s.clicks.total, 0) >= counts.clicks,
		);
	const drainOrders = () =>
		waitFor(
			`${counts.orders} purchases to be recorded`,
			journey,
			(j) =>
				j.stages.reduce((n, s) => n + s.orders, 0) + j.unattributed.orders + j.outsideWindow.orders >= counts.orders,
		);

	const listMessages = async (stage: Stage, stopBefore: number): Promise<MessageRow[]> => {
		const rows: MessageRow[] = [];
		let cursor: string | null = null;
		do {
			const query: string = `campaignId=${campaignIds.get(stage)}&limit=500${cursor ? `&cursor=${cursor}` : ""}`;
			const page: { messages: MessageRow[]; nextCursor: string | null } = await api.get(`/api/v1/messages?${query}`);
			rows.push(...page.messages);
			cursor = page.messages.some((m) => m.createdAt < stopBefore) ? null : page.nextCursor;
		} while (cursor);
		return rows;
	};

	const postEvents = async (events: Record<string, unknown>[]) => {
		for (let i = 0; i < events.length; i += EVENTS_CHUNK) {
			await api.post("/api/v1/messages/events", { events: events.slice(i, i + EVENTS_CHUNK) });
		}
	};

	const send = async ({ campaign: c }: SendStep) => {
		const { spec } = c;
		const followUp = spec.followUp && { followUp: { enabled: true, message: spec.followUp.message } };
		const { campaign } = await api.post<{ campaign: { id: string } }>("/api/v1/campaigns", {
			name: spec.name,
			stage: spec.key,
			destinationUrl: spec.destinationUrl,
			...followUp,
		});
		campaignIds.set(spec.key, campaign.id);
		const variantOf = (variant: string | null) => (variant === null ? {} : { variant });
		// The links first, with their A/B split, as a marketer would mint them; the send then reuses them.
		for (let i = 0; i < c.recipients.length; i += SEND_CHUNK) {
			const chunk = c.recipients.slice(i, i + SEND_CHUNK);
			const { links } = await api.post<{ links: { code: string; phone: string }[] }>(
				`/api/v1/campaigns/${campaign.id}/links`,
				{ recipients: chunk.map((r) => ({ phone: r.person.phone, ...variantOf(r.variant) })) },
			);
			for (const link of links) codes.set(linkKey(spec.key, link.phone, "campaign"), link.code);
		}
		let queued = 0;
		let skipped = 0;
		for (const variant of spec.variants) {
			const recipients = c.recipients.filter((r) => r.variant === variant.name);
			for (let i = 0; i < recipients.length; i += SEND_CHUNK) {
				const answer = await api.post<{ queued: number; skipped: unknown[] }>(`/api/v1/campaigns/${campaign.id}/send`, {
					message: variant.message,
					recipients: recipients.slice(i, i + SEND_CHUNK).map((r) => ({
						phone: r.person.phone,
						...(r.person.firstName ? { firstName: r.person.firstName } : {}),
						...variantOf(r.variant),
					})),
				});
				queued += answer.queued;
				skipped += answer.skipped.length;
			}
		}
		await waitFor(
			`${queued} SMS to go through the outbox`,
			() => stats(spec.key),
			(s) => s.messages.total >= queued && settled(s.messages),
		);
		await deliver(c, await listMessages(spec.key, 0));
		counts.daySends.push(`${spec.name} to ${queued}${skipped ? ` (${skipped} skipped)` : ""}`);
	};

	// Delivery receipts, as a platform that sends the SMS itself reports them.
	const deliver = async (c: CampaignPlan, messages: MessageRow[]) => {
		const byRecipient = new Map(messages.filter((m) => m.kind === "campaign").map((m) => [m.phone, m]));
		const events: Record<string, unknown>[] = [];
		for (const r of c.recipients) {
			const message = byRecipient.get(r.person.phone);
			// Not sent (refused by the send API): its link is never tapped either.
			if (!message) {
				codes.delete(linkKey(c.spec.key, r.person.phone, "campaign"));
				continue;
			}
			const at = Math.max(r.delivery.at, (message.sentAt ?? 0) + 1_000);
			events.push({ messageId: message.id, status: r.delivery.status, at, ...errorCodeOf(r.delivery.errorCode) });
		}
		await postEvents(events);
		delivered.set(c.spec.key, { campaign: events.length, followup: 0 });
	};

	const tap = async (step: TapStep) => {
		const code = codes.get(linkKey(step.link.campaign, step.link.phone, step.link.kind));
		if (!code) {
			step.done = { tlid: null };
			return;
		}
		const headers: Record<string, string> = { "user-agent": step.userAgent, ...geoOf(step) };
		if (step.prefetch) headers["sec-purpose"] = "prefetch";
		const answer = await api.tap(code, headers);
		if (answer.status !== (step.prefetch ? 503 : 302)) throw new Error(`GET /${code} answered ${answer.status}`);
		counts.clicks += 1;
		if (step.human) counts.dayTaps += 1;
		step.done = { tlid: answer.tlid };
	};

	const stop = async ({ person }: StopStep) => {
		const params = new URLSearchParams({
			AccountSid: `AC${hex(random, 32)}`,
			MessageSid: `SM${hex(random, 32)}`,
			From: person.phone,
			To: "+15005550006",
			Body: "STOP",
			NumMedia: "0",
		});
		const path = "/api/v1/webhooks/twilio/inbound";
		const signature = twilioSignature(o.twilioAuthToken, `${o.publicUrl}${path}`, params);
		await api.form(path, params, { "x-twilio-signature": signature });
		counts.stops += 1;
	};

	// Purchases are reported in arrears with their own time (`at`), as a shop's nightly import would: then the taps
	// they follow are surely counted, and one wait covers a day's purchases.
	const reportPurchases = async (upTo: number) => {
		const due = pending.filter((p) => p.at <= upTo && (p.tap === null || p.tap.done));
		if (due.length === 0) return;
		const left = new Set(due);
		pending.splice(0, pending.length, ...pending.filter((p) => !left.has(p)));
		await drainClicks();
		await inPool(due, o.concurrency, async (p) => {
			const tlid = p.tap?.done?.tlid;
			await api.post("/api/v1/conversions", {
				orderId: p.orderId,
				value: p.value,
				currency: p.currency,
				at: p.at,
				...(tlid ? { tlid } : { phone: p.phone }),
			});
		});
		counts.orders += due.length;
		counts.dayOrders += due.length;
		await drainOrders();
	};

	const cron = async (step: CronStep) => {
		await reportPurchases(step.at);
		await api.setClock(step.at);
		await api.scheduled(step.at);
		let sent = 0;
		for (const c of plan.campaigns) {
			const behaviour = c.spec.followUp;
			if (!behaviour || !campaignIds.has(c.spec.key)) continue;
			const s = await waitFor(
				`follow-ups of ${c.spec.name} to go out`,
				() => stats(c.spec.key),
				(s) => settled(s.followUps.messages),
			);
			const seen = seenFollowUps.get(c.spec.key) ?? new Set<string>();
			seenFollowUps.set(c.spec.key, seen);
			if (s.followUps.messages.total === seen.size) continue;
			const rows = (await listMessages(c.spec.key, step.at - DAY))
				.filter((m) => m.kind === "followup" && !seen.has(m.id))
				.sort((a, b) => (a.phone ?? "").localeCompare(b.phone ?? ""));
			const events: Record<string, unknown>[] = [];
			for (const m of rows) {
				seen.add(m.id);
				const person = m.phone ? byPhone.get(m.phone) : undefined;
				// The send consumer may cancel a follow-up (a purchase since the tap, its window closed): no receipt.
				if (!person || !m.linkCode || m.status !== "sent") continue;
				codes.set(linkKey(c.spec.key, person.phone, "followup"), m.linkCode);
				const delivery = planner.deliver(m.sentAt ?? step.at);
				events.push({ messageId: m.id, status: delivery.status, at: delivery.at, ...errorCodeOf(delivery.errorCode) });
				if (delivery.status !== "delivered") continue;
				const link = { campaign: c.spec.key, phone: person.phone, kind: "followup" } as const;
				const reactions = planner.reactTo(person, link, delivery.at, behaviour);
				schedule(reactions.steps);
				pending.push(...reactions.purchases);
			}
			await postEvents(events);
			const counted = delivered.get(c.spec.key);
			if (counted) counted.followup += events.length;
			sent += events.length;
		}
		counts.followUps += sent;
		const sends = counts.daySends.length > 0 ? `sent ${counts.daySends.join(", ")}; ` : "";
		log(
			`to ${moment(step.at)}: ${sends}${counts.dayTaps} human taps, ${counts.dayOrders} purchases, cron: ${sent} follow-ups`,
		);
		counts.daySends = [];
		counts.dayTaps = 0;
		counts.dayOrders = 0;
	};

	while (entries.length > 0) {
		const tick = (entries[entries.length - 1] as Entry).tick;
		const batch: Step[] = [];
		while (entries.length > 0 && (entries[entries.length - 1] as Entry).tick === tick) {
			batch.push((entries.pop() as Entry).step);
		}
		await api.setClock(tick);
		for (const step of batch) if (step.kind === "send") await send(step);
		await inPool(
			batch.filter((s) => s.kind === "stop" || s.kind === "tap"),
			o.concurrency,
			(step) => (step.kind === "stop" ? stop(step) : tap(step as TapStep)),
		);
		for (const step of batch) if (step.kind === "cron") await cron(step);
	}

	// The end of the timeline is the real now: what is left is reported as of now, and the queues drained.
	await api.setClock(Date.now());
	await reportPurchases(Number.POSITIVE_INFINITY);
	await drainClicks();
	for (const c of plan.campaigns) {
		const posted = delivered.get(c.spec.key);
		if (!posted) continue;
		const receipted = (m: Funnel) => m.delivered + m.undelivered + m.failed;
		await waitFor(
			`the delivery receipts of ${c.spec.name}`,
			() => stats(c.spec.key),
			(s) => receipted(s.messages) >= posted.campaign && receipted(s.followUps.messages) >= posted.followup,
		);
	}
	log(
		`done: ${counts.clicks} taps, ${counts.orders} purchases, ${counts.followUps} follow-ups, ${counts.stops} STOP replies`,
	);
	return {
		apiKey: created.apiKey,
		campaigns: plan.campaigns.map((c) => ({
			id: campaignIds.get(c.spec.key) ?? "",
			name: c.spec.name,
			stage: c.spec.key,
		})),
	};
}

function errorCodeOf(code: string | null) {
	return code === null ? {} : { errorCode: code };
}

// Where a fetch comes from: the phone's owner, or the data centre of a fetcher that runs on a server.
function geoOf(step: TapStep): Record<string, string> {
	const ua = step.userAgent;
	if (/telegrambot/i.test(ua)) return { "x-seed-country": "NL", "x-seed-city": "Amsterdam" };
	if (/facebookexternalhit\/1\.1 \(|slackbot|discordbot|googlebot/i.test(ua)) return { "x-seed-country": "US" };
	const { country, city } = step.person;
	return { "x-seed-country": country, "x-seed-city": city };
}

function hex(random: Random, length: number): string {
	let out = "";
	while (out.length < length) out += random.int(0, 15).toString(16);
	return out;
}

/**
 * X-Twilio-Signature: HMAC-SHA1 over the URL and the parameters sorted by name, base64, as src/twilio/signature.ts
 * checks it. That module is typed for the Workers runtime (its verifier uses crypto.subtle.timingSafeEqual), so
 * this Node script signs with node:crypto, as the fake Twilio of the tests does.
 */
function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
	const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return createHmac("sha1", authToken)
		.update(url + sorted.map(([name, value]) => name + value).join(""))
		.digest("base64");
}
