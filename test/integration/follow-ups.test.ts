import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	type BoundQuery,
	dueCandidatesQuery,
	mintFollowUpLinks,
	newCandidatesQuery,
} from "../../src/follow-ups/queries";
import { runFollowUps } from "../../src/follow-ups/run";
import worker from "../../src/index";
import { runScheduled } from "../../src/scheduled";
import { deliver, IPHONE_SAFARI, mint, newCampaign, newWorkspace, tapCapturing, WHATSAPP } from "../support/helpers";
import { capturingQueue, refusingQueue } from "../support/queues";
import { PUBLIC_URL, SENDER, twilioApp } from "../support/sms-campaign";
import { api, baseEnv, postWebhook, runSends, type TestEnv } from "../support/sms-harness";
import { inboundMessage, newTwilioAccount, type TwilioAccount, twilioRequests } from "../support/twilio";
import { zoneWhereHourIs } from "../support/zones";

const HOUR = 3_600_000;
const FOLLOW_UP = "Still thinking it over? Your cart is waiting: {link} Reply STOP to opt out";

let phoneSequence = 0;
/** A new number per contact: a STOP opts a phone out in every workspace that knows it. */
function newPhone(): string {
	phoneSequence += 1;
	return `+1415555${3000 + phoneSequence}`;
}

interface Setup {
	account: TwilioAccount;
	appEnv: TestEnv;
	key: string;
	campaignId: string;
}

async function setup(followUp: Record<string, unknown> = {}): Promise<Setup> {
	const account = newTwilioAccount();
	const { key } = await newWorkspace("Acme Shoes");
	const campaignId = await newCampaign(key, {
		name: "Spring",
		followUp: { enabled: true, message: FOLLOW_UP, ...followUp },
	});
	return { account, appEnv: twilioApp(account), key, campaignId };
}

/** Mints a link for each contact (in the given zone) and taps it as a person would; returns the links. */
async function tapped(s: Setup, zone: string, count = 1, userAgent = IPHONE_SAFARI) {
	const links = await mint(
		s.key,
		s.campaignId,
		Array.from({ length: count }, () => ({ phone: newPhone(), timezone: zone })),
	);
	for (const link of links) {
		const tap = await tapCapturing(`/${link.code}`, { headers: { "user-agent": userAgent } });
		expect(tap.response.status).toBe(302);
		await deliver(tap.sent);
	}
	return links;
}

/** One cron run as of `now`; returns what it queued on the send queue. */
async function cron(appEnv: TestEnv, now: number) {
	const sends = capturingQueue();
	const summary = await runFollowUps({ ...appEnv, SENDS: sends }, now);
	return { summary, sends: sends.sent.map((s) => s.body) };
}

async function followUpRows(campaignId: string) {
	const { results } = await env.DB.prepare(
		`SELECT f.contact_id AS contactId, f.status, f.reason, f.held_by AS heldBy, f.retry_at AS retryAt,
		        m.status AS messageStatus, m.error_code AS errorCode
		 FROM follow_ups f LEFT JOIN messages m ON m.id = f.message_id
		 WHERE f.campaign_id = ?1 ORDER BY f.first_tap_at`,
	)
		.bind(campaignId)
		.all<Record<string, unknown>>();
	return results;
}

async function firstTapOf(code: string): Promise<number> {
	const row = await env.DB.prepare("SELECT first_human_click_at AS t FROM links WHERE code = ?1")
		.bind(code)
		.first<{ t: number }>();
	if (!row?.t) throw new Error("no human tap recorded");
	return row.t;
}

async function buy(key: string, orderId: string, extra: Record<string, unknown>) {
	const order = await api(baseEnv, "/api/v1/conversions", {
		key,
		json: { orderId, value: 45, currency: "USD", ...extra },
	});
	expect(order.response.status).toBe(202);
	await deliver(order.events.map((e) => e.body));
}

describe("the follow-up cron", () => {
	it("should text a contact who tapped and did not buy exactly once, with a fresh tracked link", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;

		// Not yet: 23 hours after the tap.
		expect((await cron(s.appEnv, at - 2 * HOUR)).sends).toEqual([]);

		const run = await cron(s.appEnv, at);
		expect(run.summary).toMatchObject({ considered: 1, queued: 1 });
		expect(run.sends).toHaveLength(1);
		await runSends(s.appEnv, run.sends, 1, at);

		const calls = await twilioRequests(s.account);
		expect(calls).toHaveLength(1);
		expect(calls[0]?.params.To).toBe(link?.phone);
		const sentLink = /https:\/\/tap\.example\/([0-9A-Za-z]{7})/.exec(calls[0]?.params.Body ?? "")?.[1];
		expect(calls[0]?.params.Body).toBe(FOLLOW_UP.replace("{link}", `${PUBLIC_URL}/${sentLink}`));
		// A new link, not the one tapped, labelled as the follow-up's variant.
		expect(sentLink).not.toBe(link?.code);
		const followUpLink = await env.DB.prepare(
			"SELECT kind, variant, contact_id AS contactId FROM links WHERE code = ?1",
		)
			.bind(sentLink)
			.first();
		expect(followUpLink).toEqual({ kind: "followup", variant: "followup", contactId: link?.contactId });
		expect(await followUpRows(s.campaignId)).toEqual([
			{
				contactId: link?.contactId,
				status: "sent",
				reason: null,
				heldBy: null,
				retryAt: null,
				messageStatus: "queued",
				errorCode: null,
			},
		]);

		// Later runs, inside the window, send nothing more.
		for (const later of [at + 5 * 60_000, at + 10 * HOUR, at + 40 * HOUR]) {
			expect((await cron(s.appEnv, later)).sends).toEqual([]);
		}
		expect(await twilioRequests(s.account)).toHaveLength(1);
	});

	it("should send nothing to a contact who bought before the follow-up was due", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		await buy(s.key, `early-${link?.code}`, { phone: link?.phone });
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;

		const run = await cron(s.appEnv, at);
		expect(run.sends).toEqual([]);
		expect(run.summary.skipped).toEqual({ purchased: 1 });
		expect(await followUpRows(s.campaignId)).toMatchObject([{ status: "skipped", reason: "purchased" }]);
		expect(await twilioRequests(s.account)).toEqual([]);
	});

	it("should cancel a follow-up when a purchase arrives between the cron and the send", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		const run = await cron(s.appEnv, at);
		expect(run.sends).toHaveLength(1);

		await buy(s.key, `between-${link?.code}`, { phone: link?.phone });
		const result = await runSends(s.appEnv, run.sends, 1, at);
		expect(result.explicitAcks).toHaveLength(1);

		expect(await twilioRequests(s.account)).toEqual([]);
		expect(await followUpRows(s.campaignId)).toMatchObject([
			{ status: "skipped", reason: "purchased", messageStatus: "canceled", errorCode: "purchased" },
		]);
	});

	it("should cancel a follow-up when the contact texts STOP between the cron and the send", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		const run = await cron(s.appEnv, at);
		expect(run.sends).toHaveLength(1);

		const stop = await inboundMessage(s.account, {
			from: link?.phone ?? "",
			to: SENDER,
			body: "STOP",
			url: `${PUBLIC_URL}/api/v1/webhooks/twilio/inbound`,
		});
		expect((await postWebhook(s.appEnv, stop)).response.status).toBe(200);
		await runSends(s.appEnv, run.sends, 1, at);

		expect(await twilioRequests(s.account)).toEqual([]);
		expect(await followUpRows(s.campaignId)).toMatchObject([
			{ status: "skipped", reason: "opted_out", messageStatus: "canceled", errorCode: "opted_out" },
		]);
	});

	it("should not follow up a link that only bots and link previews opened", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR), 1, WHATSAPP);
		const clicks = await env.DB.prepare("SELECT clicks, human_clicks AS humans FROM links WHERE code = ?1")
			.bind(link?.code)
			.first();
		expect(clicks).toEqual({ clicks: 1, humans: 0 });

		for (const hours of [25, 50, 80]) expect((await cron(s.appEnv, Date.now() + hours * HOUR)).sends).toEqual([]);
		expect(await followUpRows(s.campaignId)).toEqual([]);
	});

	it("should wait out the night in the contact's zone and send next morning, inside the window", async () => {
		const s = await setup();
		const now = Date.now();
		// 23:00 where the contact lives when the follow-up falls due.
		const [link] = await tapped(s, zoneWhereHourIs(23, now + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;

		const night = await cron(s.appEnv, at);
		expect(night.sends).toEqual([]);
		expect(night.summary.waiting).toEqual({ quiet_hours: 1 });
		const [row] = await followUpRows(s.campaignId);
		expect(row).toMatchObject({ status: "waiting", reason: "quiet_hours" });
		// 08:00 local: nine hours on, to the minute.
		const morning = row?.retryAt as number;
		expect(morning - at).toBeGreaterThan(8 * HOUR);
		expect(morning - at).toBeLessThanOrEqual(9 * HOUR);

		// Runs during the night pass the contact over.
		expect((await cron(s.appEnv, at + 4 * HOUR)).summary.considered).toBe(0);

		const run = await cron(s.appEnv, morning + 60_000);
		expect(run.sends).toHaveLength(1);
		await runSends(s.appEnv, run.sends, 1, morning + 60_000);
		const calls = await twilioRequests(s.account);
		expect(calls).toHaveLength(1);
		expect(calls[0]?.params.To).toBe(link?.phone);
		expect(await followUpRows(s.campaignId)).toMatchObject([{ status: "sent", messageStatus: "queued" }]);
	});

	it("should give up on a contact whose window closed while they were asleep, and say so", async () => {
		const s = await setup({ windowHours: 2 });
		const [link] = await tapped(s, zoneWhereHourIs(23, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		expect((await cron(s.appEnv, at)).summary.waiting).toEqual({ quiet_hours: 1 });

		const run = await cron(s.appEnv, at + 10 * HOUR);
		expect(run.sends).toEqual([]);
		expect(await followUpRows(s.campaignId)).toMatchObject([
			{ status: "skipped", reason: "window_passed", heldBy: "quiet_hours" },
		]);
		expect(await twilioRequests(s.account)).toEqual([]);
	});

	it("should skip for good a waiting contact who is erased, keeping what held them back", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(23, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		expect((await cron(s.appEnv, at)).summary.waiting).toEqual({ quiet_hours: 1 });

		const erased = await api(baseEnv, `/api/v1/contacts/${link?.contactId}`, { method: "DELETE", key: s.key });
		expect(erased.response.status).toBe(200);
		expect(await followUpRows(s.campaignId)).toMatchObject([
			{ status: "skipped", reason: "opted_out", heldBy: "quiet_hours" },
		]);
		expect((await cron(s.appEnv, at + 10 * HOUR)).sends).toEqual([]);
		expect(await twilioRequests(s.account)).toEqual([]);
	});

	it("should hold a follow-up back while the contact had another SMS within the workspace's cap", async () => {
		const account = newTwilioAccount();
		const appEnv = twilioApp(account);
		const { key } = await newWorkspace("Capped");
		const campaignId = await newCampaign(key, {
			followUp: { enabled: true, afterHours: 1, message: FOLLOW_UP },
		});
		const phone = newPhone();
		const zone = zoneWhereHourIs(12);
		// The campaign's own SMS goes out now, and the contact taps it.
		const sent = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
			key,
			json: { recipients: [{ phone, timezone: zone }], message: "Spring sale: {link}" },
		});
		expect(sent.response.status).toBe(202);
		const sentAt = Date.now();
		await runSends(
			appEnv,
			sent.sends.map((m) => m.body),
			1,
			sentAt,
		);
		const [message] = (
			await (
				await api(appEnv, `/api/v1/messages?campaignId=${campaignId}`, { key })
			).response.json<{
				messages: { linkCode: string }[];
			}>()
		).messages;
		const tap = await tapCapturing(`/${message?.linkCode}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const s = { account, appEnv, key, campaignId };

		// Due an hour after the tap, but the campaign SMS went out less than 24 hours before.
		const first = await cron(appEnv, sentAt + 2 * HOUR);
		expect(first.summary.waiting).toEqual({ capped: 1 });
		const [row] = await followUpRows(campaignId);
		expect(row?.retryAt).toBeGreaterThanOrEqual(sentAt + 24 * HOUR - 60_000);
		expect(row?.retryAt).toBeLessThanOrEqual(sentAt + 24 * HOUR + 60_000);

		const at = sentAt + 24 * HOUR + 5 * 60_000;
		const later = await cron(appEnv, at);
		expect(later.sends).toHaveLength(1);
		await runSends(appEnv, later.sends, 1, at);
		expect((await twilioRequests(s.account)).map((c) => c.params.Body)).toEqual([
			expect.stringMatching(/^Spring sale: /),
			expect.stringMatching(/^Still thinking it over\?/),
		]);

		// A cap of 0 hours turns it off for the workspace.
		const off = await api(appEnv, "/api/v1/workspace", { method: "PATCH", key, json: { frequencyCapHours: 0 } });
		expect(off.response.status).toBe(200);
		expect(await off.response.json()).toMatchObject({ workspace: { frequencyCapHours: 0 } });
	});

	it("should hold a follow-up back at send time when another SMS went out after the cron picked it", async () => {
		const s = await setup();
		const zone = zoneWhereHourIs(12, Date.now() + 25 * HOUR);
		const [link] = await tapped(s, zone);
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		const run = await cron(s.appEnv, at);
		expect(run.sends).toHaveLength(1);

		// Another campaign of the workspace texts the contact before the follow-up leaves the queue.
		const other = await newCampaign(s.key, { name: "Flash sale" });
		const flash = await api(s.appEnv, `/api/v1/campaigns/${other}/send`, {
			key: s.key,
			json: { recipients: [{ phone: link?.phone, timezone: zone }], message: "Flash sale: {link}" },
		});
		await runSends(
			s.appEnv,
			flash.sends.map((m) => m.body),
			1,
			at + 60_000,
		);
		const held = await runSends(s.appEnv, run.sends, 1, at + 120_000);
		// Queued again for when the cap runs out (at most 12 hours per hop), not sent.
		expect(held.requeued).toHaveLength(1);
		expect(held.requeued[0]?.delaySeconds).toBe(12 * 3600);
		expect((await twilioRequests(s.account)).map((c) => c.params.Body)).toEqual([
			expect.stringMatching(/^Flash sale: /),
		]);
		expect(await followUpRows(s.campaignId)).toMatchObject([{ status: "sent", messageStatus: "pending" }]);
	});

	it("should leave follow-ups it could not queue to the next run's sweep, which queues them once", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		const broken = refusingQueue();
		const failed = await runFollowUps({ ...s.appEnv, SENDS: broken }, at);
		expect(failed.queued).toBe(1);
		expect(await followUpRows(s.campaignId)).toMatchObject([{ status: "sent", messageStatus: "pending" }]);

		const sends = capturingQueue();
		await runScheduled({ ...s.appEnv, SENDS: sends }, at + 5 * 60_000);
		const requeued = sends.sent.map((m) => m.body);
		expect(requeued).toHaveLength(1);
		await runSends(s.appEnv, [...requeued, ...requeued], 1, at + 6 * 60_000);
		expect(await twilioRequests(s.account)).toHaveLength(1);
	});

	it("should mint no follow-up link for a contact erased after the cron read them", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const erased = await api(baseEnv, `/api/v1/contacts/${link?.contactId}`, { method: "DELETE", key: s.key });
		expect(erased.response.status).toBe(200);
		const minted = await mintFollowUpLinks(
			env.DB,
			{ id: s.campaignId, workspaceId: "ignored", variant: "followup" },
			[{ contactId: link?.contactId ?? "", code: "ErasedX1" }],
			Date.now(),
		);
		expect(minted).toEqual([{ contactId: link?.contactId, code: null, erased: true }]);
		const links = await env.DB.prepare("SELECT count(*) AS n FROM links WHERE code = 'ErasedX1'").first<{
			n: number;
		}>();
		expect(links?.n).toBe(0);
	});

	it("should send one SMS per contact however many runs overlap or repeat", async () => {
		const s = await setup();
		const links = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR), 3);
		const at = Math.max(...(await Promise.all(links.map((l) => firstTapOf(l.code))))) + 25 * HOUR;

		const [a, b] = await Promise.all([cron(s.appEnv, at), cron(s.appEnv, at)]);
		const repeat = await cron(s.appEnv, at);
		const late = await cron(s.appEnv, at + 3 * HOUR);
		const queued = [...a.sends, ...b.sends, ...repeat.sends, ...late.sends];
		expect(queued).toHaveLength(3);
		// Even were each queued twice (at-least-once delivery), the claim lets one through.
		await runSends(s.appEnv, [...queued, ...queued], 1, at);

		const calls = await twilioRequests(s.account);
		expect(calls.map((c) => c.params.To).sort()).toEqual(links.map((l) => l.phone).sort());
		const messages = await env.DB.prepare(
			"SELECT count(*) AS n FROM messages WHERE campaign_id = ?1 AND kind = 'followup'",
		)
			.bind(s.campaignId)
			.first<{ n: number }>();
		expect(messages?.n).toBe(3);
	});

	it("should attribute a tap on the follow-up link, and the purchase after it, to the follow-up", async () => {
		const s = await setup();
		const [link] = await tapped(s, zoneWhereHourIs(12, Date.now() + 25 * HOUR));
		const at = (await firstTapOf(link?.code ?? "")) + 25 * HOUR;
		const run = await cron(s.appEnv, at);
		await runSends(s.appEnv, run.sends, 1, at);
		const code = /https:\/\/tap\.example\/([0-9A-Za-z]{7})/.exec(
			(await twilioRequests(s.account))[0]?.params.Body ?? "",
		)?.[1];

		const tap = await tapCapturing(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		expect(tap.response.status).toBe(302);
		await deliver(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		await buy(s.key, `after-${code}`, { tlid, value: 80 });

		const purchase = await env.DB.prepare("SELECT link_code AS linkCode, variant FROM purchases WHERE order_id = ?1")
			.bind(`after-${code}`)
			.first();
		expect(purchase).toEqual({ linkCode: code, variant: "followup" });
		const stats = await (await api(baseEnv, `/api/v1/campaigns/${s.campaignId}/stats`, { key: s.key })).response.json<{
			byVariant: { variant: string; human: number; purchases: { purchasers: number; revenue: object } }[];
		}>();
		expect(stats.byVariant.find((v) => v.variant === "followup")).toMatchObject({
			human: 1,
			purchases: { purchasers: 1, revenue: { USD: 80 } },
		});
		// The follow-up's own tap does not earn a second follow-up.
		expect((await cron(s.appEnv, at + 30 * HOUR)).sends).toEqual([]);

		// The recipients export has a row per link: the campaign's, and the follow-up's with its SMS and revenue.
		const exported = await api(baseEnv, `/api/v1/campaigns/${s.campaignId}/export/recipients?format=ndjson`, {
			key: s.key,
		});
		const rows = (await exported.response.text())
			.trim()
			.split("\n")
			.map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(rows).toEqual([
			expect.objectContaining({ code: link?.code, variant: null, messageStatus: null, humanClicks: 1, revenue: {} }),
			expect.objectContaining({
				code,
				variant: "followup",
				messageStatus: "queued",
				humanClicks: 1,
				purchased: true,
				revenue: { USD: 80 },
			}),
		]);
	});

	it("should run from the Worker's scheduled handler as of the trigger's scheduled time", async () => {
		// The default provider (outbox) texts nobody and keeps the rendered message.
		const { key } = await newWorkspace("Scheduled");
		const campaignId = await newCampaign(key, { followUp: { enabled: true, message: "Back in stock: {link}" } });
		const [link] = await mint(key, campaignId, [{ phone: newPhone() }]);
		await deliver((await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } })).sent);
		const scheduledTime = (await firstTapOf(link?.code ?? "")) + 24 * HOUR + 60_000;

		const handlers: ExportedHandler<Env, unknown> = worker;
		const ctx = createExecutionContext();
		await handlers.scheduled?.(createScheduledController({ scheduledTime, cron: "*/5 * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);

		const message = await env.DB.prepare(
			"SELECT kind, status, body, created_at AS createdAt FROM messages WHERE campaign_id = ?1",
		)
			.bind(campaignId)
			.first<{ kind: string; status: string; body: string; createdAt: number }>();
		expect(message).toMatchObject({ kind: "followup", createdAt: scheduledTime });
		// Printed with the origin of the request that enabled the follow-up, PUBLIC_URL being unset here.
		expect(message?.body).toMatch(/^Back in stock: https:\/\/tapline\.test\/[0-9A-Za-z]{7}$/);
	});

	it("should select candidates through indexes only, never scanning links, follow-ups or clicks", async () => {
		const explain = async ({ sql, params }: BoundQuery) => {
			const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
				.bind(...params)
				.all<{ detail: string }>();
			return results.map((r) => r.detail);
		};
		const now = Date.now();
		const fresh = await explain(
			newCandidatesQuery({
				campaignId: "cmp_x",
				from: 0,
				to: now,
				after: { firstTapAt: 0, linkCode: "" },
				capFrom: now,
				limit: 1000,
			}),
		);
		expect(fresh).toContainEqual(
			expect.stringMatching(/^SEARCH l USING INDEX links_by_first_human_tap \(campaign_id=\?/),
		);
		expect(fresh).toContainEqual(
			expect.stringMatching(/^SEARCH f USING (COVERING )?INDEX sqlite_autoindex_follow_ups_1/),
		);
		expect(fresh).toContainEqual(expect.stringMatching(/^SEARCH c USING INDEX sqlite_autoindex_contacts_1 \(id=\?\)/));
		// A contact already decided is passed over before their contact row is read.
		expect(fresh.findIndex((line) => line.startsWith("SEARCH f "))).toBeLessThan(
			fresh.findIndex((line) => line.startsWith("SEARCH c ")),
		);
		const due = await explain(dueCandidatesQuery({ campaignId: "cmp_x", now, capFrom: now, limit: 1000 }));
		expect(due).toContainEqual(
			expect.stringMatching(/^SEARCH f USING INDEX follow_ups_waiting \(campaign_id=\? AND retry_at<\?\)/),
		);
		expect(due).toContainEqual(expect.stringMatching(/^SEARCH l USING INDEX sqlite_autoindex_links_1 \(code=\?\)/));
		for (const plan of [fresh, due]) {
			expect(plan).toContainEqual(expect.stringMatching(/^SEARCH p USING INDEX purchases_by_contact/));
			expect(plan).toContainEqual(expect.stringMatching(/^SEARCH m USING INDEX messages_by_contact_created/));
			expect(plan.filter((line) => /^SCAN /.test(line))).toEqual([]);
			expect(plan.join("\n")).not.toMatch(/clicks|TEMP B-TREE/);
		}
	});

	it("should read only contacts new since the last run, and the waiting ones when they are due", async () => {
		const s = await setup();
		const zone = zoneWhereHourIs(12, Date.now() + 25 * HOUR);
		const [first] = await tapped(s, zone);
		const at = (await firstTapOf(first?.code ?? "")) + 25 * HOUR;
		expect((await cron(s.appEnv, at)).summary.considered).toBe(1);
		const mark = await env.DB.prepare("SELECT follow_up_scanned_until AS t FROM campaigns WHERE id = ?1")
			.bind(s.campaignId)
			.first<{ t: number }>();
		// Behind the newest tap it could have seen by three hours, for taps still on their way through the queue.
		expect(mark?.t).toBe(at - 24 * HOUR - 3 * HOUR);

		// A later run reads nobody: the one contact is decided, and behind the mark or not, it is not read again.
		expect((await cron(s.appEnv, at + 5 * 60_000)).summary.considered).toBe(0);
		// A contact who tapped after the first is found by a later run.
		const [late] = await tapped(s, zone);
		const lateAt = (await firstTapOf(late?.code ?? "")) + 25 * HOUR;
		const run = await cron(s.appEnv, lateAt);
		expect(run.summary).toMatchObject({ considered: 1, queued: 1 });
	});
});

describe("follow-up settings on a campaign", () => {
	it("should show the defaults, and change only what a PATCH names", async () => {
		const { key } = await newWorkspace();
		const id = await newCampaign(key);
		const shown = await api(baseEnv, `/api/v1/campaigns/${id}`, { key });
		expect(await shown.response.json()).toMatchObject({
			campaign: { followUp: { enabled: false, afterHours: 24, windowHours: 48, message: null, variant: "followup" } },
		});

		const on = await api(baseEnv, `/api/v1/campaigns/${id}`, {
			method: "PATCH",
			key,
			json: { followUp: { enabled: true, message: "Still there? {link}", afterHours: 12 } },
		});
		expect(on.response.status).toBe(200);
		const off = await api(baseEnv, `/api/v1/campaigns/${id}`, {
			method: "PATCH",
			key,
			json: { followUp: { enabled: false } },
		});
		expect(await off.response.json()).toMatchObject({
			campaign: {
				followUp: {
					enabled: false,
					afterHours: 12,
					windowHours: 48,
					message: "Still there? {link}",
					variant: "followup",
				},
			},
		});
	});

	it.each([
		[{ enabled: true }, "followUp.message", "needs a message"],
		[{ enabled: true, message: "Hi {firstName}, {link}" }, "followUp.message", "{firstName} cannot be used"],
		[{ enabled: true, message: "No link here" }, "followUp.message", "must contain {link}"],
		[{ enabled: true, message: "{link}", afterHours: 0 }, "followUp.afterHours", ""],
		[{ enabled: true, message: "{link}", windowHours: 1.5 }, "followUp.windowHours", ""],
		[{ enabled: true, message: "{link}", sendAt: "9am" }, "followUp", ""],
	])("should refuse %j with a 422 naming the field, and store nothing", async (followUp, path, message) => {
		const { key } = await newWorkspace();
		const created = await api(baseEnv, "/api/v1/campaigns", {
			key,
			json: { name: "Bad", stage: "awareness", destinationUrl: "https://shop.example/", followUp },
		});
		expect(created.response.status).toBe(422);
		const body = await created.response.json<{
			error: { code: string; details: { path: string; message: string }[] };
		}>();
		expect(body.error.code).toBe("validation_failed");
		expect(body.error.details).toContainEqual(
			expect.objectContaining({ path: expect.stringContaining(path), message: expect.stringContaining(message) }),
		);
		const list = await api(baseEnv, "/api/v1/campaigns", { key });
		expect(await list.response.json()).toEqual({ campaigns: [] });
	});

	it("should refuse a message that could render longer than an SMS provider accepts, for the longest values", async () => {
		const { key } = await newWorkspace();
		const id = await newCampaign(key);
		for (const [message, longest] of [
			// The link with a 32-character code on this origin (https://tapline.test): 53 characters.
			[`${"x".repeat(1560)} {link}`, 1614],
			// An external id can hold 200 characters.
			[`${"x".repeat(1390)} {externalId} {link}`, 1645],
		] as const) {
			const res = await api(baseEnv, `/api/v1/campaigns/${id}`, {
				method: "PATCH",
				key,
				json: { followUp: { enabled: true, message } },
			});
			expect(res.response.status).toBe(422);
			expect(await res.response.json()).toMatchObject({
				error: {
					code: "validation_failed",
					details: [
						{ path: "followUp.message", message: expect.stringContaining(`can render to ${longest} characters`) },
					],
				},
			});
		}
		// Just short enough is fine.
		const fits = await api(baseEnv, `/api/v1/campaigns/${id}`, {
			method: "PATCH",
			key,
			json: { followUp: { enabled: true, message: `${"x".repeat(1546)} {link}` } },
		});
		expect(fits.response.status).toBe(200);
	});
});
