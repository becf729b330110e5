import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScheduled } from "../../src/scheduled";
import { deliver, hmacOf, IPHONE_SAFARI, newCampaign, newWorkspace, tapCapturing } from "../support/helpers";
import { capturingQueue, refusingQueue } from "../support/queues";
import { api, baseEnv, postWebhook, runSends, type TestEnv } from "../support/sms-harness";
import {
	inboundMessage,
	newTwilioAccount,
	scriptTwilio,
	statusCallback,
	type TwilioAccount,
	twilioEnv,
	twilioRequests,
} from "../support/twilio";
import { zoneWhereHourIs } from "../support/zones";

const PUBLIC_URL = "https://tap.example";
const SENDER = "+15005550006";
const STATUS_URL = `${PUBLIC_URL}/api/v1/webhooks/twilio/status`;
const INBOUND_URL = `${PUBLIC_URL}/api/v1/webhooks/twilio/inbound`;
const TEMPLATE = "Hi {firstName|there}, 20% off today: {link} Reply STOP to opt out";

const DAYTIME = () => zoneWhereHourIs(12);

function twilioApp(account: TwilioAccount, extra: Record<string, unknown> = {}): TestEnv {
	return { ...env, ...twilioEnv(account), TWILIO_FROM: SENDER, PUBLIC_URL, ...extra } as TestEnv;
}

async function sendCampaign(appEnv: TestEnv, key: string, campaignId: string, recipients: unknown[], extra = {}) {
	const { response, sends } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
		key,
		json: { recipients, message: TEMPLATE, ...extra },
	});
	const body = await response.json<{
		queued: number;
		deferred: number;
		skipped: { index: number; reason: string; phone?: string }[];
	}>();
	return { status: response.status, body, sends };
}

async function messagesOf(key: string, campaignId: string) {
	const { response } = await api(baseEnv, `/api/v1/messages?campaignId=${campaignId}`, { key });
	expect(response.status).toBe(200);
	return (await response.json<{ messages: Record<string, unknown>[] }>()).messages;
}

async function statsOf(key: string, campaignId: string) {
	const { response } = await api(baseEnv, `/api/v1/campaigns/${campaignId}/stats`, { key });
	expect(response.status).toBe(200);
	return response.json<{
		messages: Record<string, number | null | Record<string, number | null>>;
		purchases: Record<string, unknown>;
		byVariant: { variant: string; messages: Record<string, unknown>; purchases: Record<string, unknown> }[];
	}>();
}

async function setup(recipients = 2) {
	const account = newTwilioAccount();
	const appEnv = twilioApp(account);
	const { id: workspaceId, key } = await newWorkspace("Acme Shoes");
	const campaignId = await newCampaign(key, { name: "Spring" });
	const zone = DAYTIME();
	const people = [
		{ phone: "+14155552671", firstName: "Ada", timezone: zone },
		{ phone: "+14155552672", timezone: zone },
		{ phone: "+14155552673", firstName: "Cy", timezone: zone },
	].slice(0, recipients);
	return { account, appEnv, workspaceId, key, campaignId, people };
}

describe("sending a campaign through Twilio", () => {
	it("should carry a campaign from send to delivered to tapped, per recipient", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(2);
		const sent = await sendCampaign(appEnv, key, campaignId, people);
		expect(sent.status).toBe(202);
		expect(sent.body).toEqual({ queued: 2, deferred: 0, skipped: [] });
		expect(sent.sends).toHaveLength(2);

		const run = await runSends(
			appEnv,
			sent.sends.map((s) => s.body),
		);
		expect(run.explicitAcks).toHaveLength(2);

		// Twilio's wire format: a form post per message, basic auth with the account SID and auth token.
		const calls = await twilioRequests(account);
		expect(calls).toHaveLength(2);
		for (const call of calls) {
			expect(call.method).toBe("POST");
			expect(call.path).toBe(`/2010-04-01/Accounts/${account.accountSid}/Messages.json`);
			expect(call.authUser).toBe(account.accountSid);
			expect(call.authPassword).toBe(account.authToken);
			expect(call.contentType).toMatch(/^application\/x-www-form-urlencoded/);
			expect(call.params.From).toBe(SENDER);
			expect(call.params.StatusCallback).toMatch(new RegExp(`^${STATUS_URL}\\?messageId=msg_`));
			// Twilio may hold it only until the recipient's sending hours end (midday now: more than 8 hours).
			expect(Number(call.params.ValidityPeriod)).toBeGreaterThan(8 * 3600);
			expect(Number(call.params.ValidityPeriod)).toBeLessThanOrEqual(36_000);
			expect(call.response.status).toBe(201);
		}
		const ada = calls.find((c) => c.params.To === "+14155552671");
		const other = calls.find((c) => c.params.To === "+14155552672");
		expect(ada?.params.Body).toMatch(/^Hi Ada, 20% off today: https:\/\/tap\.example\/[0-9A-Za-z]{7} Reply STOP/);
		expect(other?.params.Body).toMatch(/^Hi there, 20% off today: /);

		let messages = await messagesOf(key, campaignId);
		expect(messages.map((m) => m.status).sort()).toEqual(["queued", "queued"]);
		expect(messages.every((m) => typeof m.providerMessageId === "string")).toBe(true);

		// Twilio reports sent, then delivered for Ada and undelivered for the other.
		const adaSid = ada?.response.sid as string;
		const otherSid = other?.response.sid as string;
		for (const [sid, status, code] of [
			[adaSid, "sent"],
			[adaSid, "delivered"],
			[otherSid, "sent"],
			[otherSid, "undelivered", 30003],
		] as [string, string, number?][]) {
			const { response, events } = await postWebhook(appEnv, await statusCallback(account, sid, status, code));
			expect(response.status).toBe(204);
			expect((await deliver(events.map((e) => e.body))).explicitAcks).toHaveLength(1);
		}

		// Ada taps her link; the tap flows through the events queue like any other.
		const code = String(ada?.params.Body?.match(/tap\.example\/([0-9A-Za-z]+)/)?.[1]);
		const tap = await tapCapturing(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		expect(tap.response.status).toBe(302);
		await deliver(tap.sent);

		messages = await messagesOf(key, campaignId);
		const adaRow = messages.find((m) => m.phone === "+14155552671");
		expect(adaRow).toMatchObject({ status: "delivered", errorCode: null });
		expect(adaRow?.sentAt).toEqual(expect.any(Number));
		expect(adaRow?.deliveredAt).toEqual(expect.any(Number));
		expect(adaRow?.firstTapAt).toEqual(expect.any(Number));
		expect(messages.find((m) => m.phone === "+14155552672")).toMatchObject({
			status: "undelivered",
			errorCode: "30003",
			firstTapAt: null,
		});

		const stats = await statsOf(key, campaignId);
		expect(stats.messages).toMatchObject({
			total: 2,
			sent: 2,
			delivered: 1,
			undelivered: 1,
			failed: 0,
			deliveryRate: 0.5,
			tapped: 1,
			clickThroughOnDelivered: 1,
		});
		expect((stats.messages.deliveryToFirstTapSeconds as Record<string, number>).median).toEqual(expect.any(Number));
		expect(stats.purchases).toMatchObject({ conversionRateOnDelivered: 0, revenuePerMessageSent: {} });
	});

	it("should never text anyone twice: redelivered queue messages and repeated requests", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(2);
		const first = await sendCampaign(appEnv, key, campaignId, people);
		const bodies = first.sends.map((s) => s.body);
		await runSends(appEnv, bodies);
		// The same queue messages again (at-least-once delivery), then the whole request again.
		const again = await runSends(appEnv, bodies, 2);
		expect(again.explicitAcks).toHaveLength(2);
		const repeated = await sendCampaign(appEnv, key, campaignId, people);
		expect(repeated.status).toBe(202);
		expect(repeated.body.queued).toBe(0);
		expect(repeated.body.skipped.map((s) => s.reason)).toEqual(["already_sent", "already_sent"]);
		expect(await twilioRequests(account)).toHaveLength(2);
	});

	it("should queue nothing new when the same request is repeated before the messages went out", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const first = await sendCampaign(appEnv, key, campaignId, people);
		const second = await sendCampaign(appEnv, key, campaignId, people);
		expect(second.body).toMatchObject({ queued: 0, skipped: [{ index: 0, reason: "already_queued" }] });
		expect(second.sends).toHaveLength(0);
		await runSends(
			appEnv,
			first.sends.map((s) => s.body),
		);
		expect(await twilioRequests(account)).toHaveLength(1);
	});

	it("should answer 503 when the queue refuses, and have the cron queue the messages within minutes", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(2);
		const broken = refusingQueue();
		const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
			key,
			json: { recipients: people, message: TEMPLATE },
			sendsQueue: broken,
		});
		expect(response.status).toBe(503);
		expect((await response.json<{ error: { code: string } }>()).error.code).toBe("unavailable");
		expect((await messagesOf(key, campaignId)).map((m) => m.status)).toEqual(["pending", "pending"]);

		// The next cron run, five minutes on, queues both.
		const sends = capturingQueue();
		await runScheduled({ ...appEnv, SENDS: sends }, Date.now() + 5 * 60_000);
		const ids = (await messagesOf(key, campaignId)).map((m) => m.id);
		expect(
			sends.sent.map((s) => (s.body as { messageId: string }).messageId).filter((id) => ids.includes(id)),
		).toHaveLength(2);
		await runSends(
			appEnv,
			sends.sent.map((s) => s.body),
		);
		expect(await twilioRequests(account)).toHaveLength(2);
	});

	it("should retry a 429 with backoff and send once it passes", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await scriptTwilio(account, [{ status: 429, code: 20429 }]);
		const throttled = await runSends(appEnv, [sends[0]?.body]);
		expect(throttled.retryMessages).toHaveLength(1);
		expect(throttled.explicitAcks).toHaveLength(0);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "pending" });

		const retried = await runSends(appEnv, [sends[0]?.body], 2);
		expect(retried.explicitAcks).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "queued" });
		expect((await twilioRequests(account)).map((r) => r.response.status)).toEqual([429, 201]);
	});

	it("should mark a 21610 recipient opted out, not retry, and never call Twilio for them again", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 400, code: 21610, to: "+14155552671" }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const run = await runSends(appEnv, [sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "failed", errorCode: "21610" });

		const { response } = await api(appEnv, "/api/v1/contacts?phone=%2B14155552671", { key });
		const { contact } = await response.json<{ contact: { optedOut: boolean; consent: { source: string }[] } }>();
		expect(contact.optedOut).toBe(true);
		expect(contact.consent).toMatchObject([{ kind: "opt_out", source: "provider", detail: "21610" }]);

		const otherCampaign = await newCampaign(key, { name: "Summer" });
		const next = await sendCampaign(appEnv, key, otherCampaign, people);
		expect(next.body).toMatchObject({ queued: 0, skipped: [{ index: 0, reason: "opted_out" }] });
		expect(await twilioRequests(account)).toHaveLength(1);
	});

	it("should fail a message Twilio refuses, with Twilio's code, and not retry it", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 400, code: 21211 }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const run = await runSends(appEnv, [sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect(run.retryMessages).toHaveLength(0);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "failed", errorCode: "21211" });
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ failed: 1, sent: 0 });
	});

	it("should mark a 5xx answer unknown and never send it blindly again", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 500, code: 20500 }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const run = await runSends(appEnv, [sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "unknown", errorCode: "20500" });
		await runSends(appEnv, [sends[0]?.body], 2);
		expect(await twilioRequests(account)).toHaveLength(1);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ unknown: 1 });
	});

	it("should let a late receipt settle a message whose send answer was lost", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 503, code: 20503 }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await runSends(appEnv, [sends[0]?.body]);
		const [message] = await messagesOf(key, campaignId);
		// Twilio did create it after all and calls back; Tapline's id rides on the StatusCallback URL.
		const webhook = await signedStatus(account, {
			url: `${STATUS_URL}?messageId=${message?.id}`,
			MessageSid: `SM${"a".repeat(32)}`,
			MessageStatus: "delivered",
		});
		const { events } = await postWebhook(appEnv, webhook);
		await deliver(events.map((e) => e.body));
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "delivered", errorCode: null });
	});

	it("should keep the carrier's code of an undelivered message that first timed out", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 502, code: 20502 }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await runSends(appEnv, [sends[0]?.body]);
		const [message] = await messagesOf(key, campaignId);
		expect(message).toMatchObject({ status: "unknown", errorCode: "20502" });
		const webhook = await signedStatus(account, {
			url: `${STATUS_URL}?messageId=${message?.id}`,
			MessageSid: `SM${"b".repeat(32)}`,
			MessageStatus: "undelivered",
			ErrorCode: "30007",
		});
		await deliver((await postWebhook(appEnv, webhook)).events.map((e) => e.body));
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "undelivered", errorCode: "30007" });
	});
});

/** A status callback signed as Twilio signs it, for messages the fake did not create. */
async function signedStatus(account: TwilioAccount, fields: { url: string } & Record<string, string>) {
	const { url, ...params } = fields;
	const form = new URLSearchParams({ AccountSid: account.accountSid, ApiVersion: "2010-04-01", ...params });
	const data =
		url +
		[...form.entries()]
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([k, v]) => k + v)
			.join("");
	const signature = await hmacOf(account.authToken, data, "SHA-1", "base64");
	return {
		url,
		body: form.toString(),
		headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
	};
}

describe("Twilio's delivery receipts", () => {
	async function sentMessage() {
		const ctx = await setup(1);
		const { sends } = await sendCampaign(ctx.appEnv, ctx.key, ctx.campaignId, ctx.people);
		await runSends(ctx.appEnv, [sends[0]?.body]);
		const [call] = await twilioRequests(ctx.account);
		return { ...ctx, sid: call?.response.sid as string };
	}

	it("should refuse a callback without a signature (400) or with a wrong one (403), and store nothing", async () => {
		const { account, appEnv, sid } = await sentMessage();
		const genuine = await statusCallback(account, sid, "delivered");
		const cases: [Record<string, string>, string, string, number][] = [
			[{ "content-type": "application/x-www-form-urlencoded" }, genuine.url, genuine.body, 400],
			// Signed for another URL, a changed parameter, a signature made with another token.
			[genuine.headers, genuine.url.replace("messageId=", "messageId=x"), genuine.body, 403],
			[genuine.headers, genuine.url, genuine.body.replace("delivered", "failed"), 403],
			[{ ...genuine.headers, "x-twilio-signature": "bm90IHRoZSBzaWduYXR1cmU=" }, genuine.url, genuine.body, 403],
		];
		for (const [headers, url, body, status] of cases) {
			const { response, events } = await postWebhook(appEnv, { url, body, headers });
			expect(response.status).toBe(status);
			expect((await response.json<{ error: { code: string } }>()).error.code).toBe(
				status === 400 ? "bad_request" : "forbidden",
			);
			expect(events).toHaveLength(0);
		}
	});

	it("should check the signature against PUBLIC_URL, not the Host the request came to", async () => {
		const { account, appEnv, sid } = await sentMessage();
		const genuine = await statusCallback(account, sid, "sent");
		// A proxy in front rewrote the host: the signature still holds for the configured public URL.
		const rewritten = genuine.url.replace(PUBLIC_URL, "http://internal.worker:8787");
		const { response, events } = await postWebhook(appEnv, { ...genuine, url: rewritten });
		expect(response.status).toBe(204);
		expect(events).toHaveLength(1);
		// And a request signed for the Host it reached, but not for PUBLIC_URL, is refused.
		const forged = await signedStatus(account, { url: rewritten, MessageSid: sid, MessageStatus: "delivered" });
		expect((await postWebhook(appEnv, forged)).response.status).toBe(403);
	});

	it("should end delivered whatever order receipts arrive in, and change state once for five copies", async () => {
		const { account, appEnv, key, campaignId, sid } = await sentMessage();
		const receipts: unknown[] = [];
		for (const status of ["delivered", "delivered", "sent", "delivered", "sending", "delivered", "delivered"]) {
			const { events } = await postWebhook(appEnv, await statusCallback(account, sid, status));
			receipts.push(...events.map((e) => e.body));
		}
		// Delivered one by one, in the order they came, then all again in reverse as one batch.
		for (const receipt of receipts) await deliver([receipt]);
		const [once] = await messagesOf(key, campaignId);
		expect(once).toMatchObject({ status: "delivered" });
		await deliver([...receipts].reverse(), 2);
		const [twice] = await messagesOf(key, campaignId);
		expect(twice).toEqual(once);
		expect(twice?.sentAt).toEqual(expect.any(Number));
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ sent: 1, delivered: 1, deliveryRate: 1 });
	});

	it("should keep the first final state: a failed after delivered does not undo the delivery", async () => {
		const { account, appEnv, key, campaignId, sid } = await sentMessage();
		for (const [status, code] of [
			["delivered", undefined],
			["failed", 30008],
		] as [string, number | undefined][]) {
			const { events } = await postWebhook(appEnv, await statusCallback(account, sid, status, code));
			await deliver(events.map((e) => e.body));
		}
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "delivered", errorCode: null });
	});

	it("should answer 503 when Twilio is not configured, before reading anything", async () => {
		const { response } = await api(baseEnv, "", {
			request: new Request(STATUS_URL, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "x" },
				body: "MessageSid=SM1&MessageStatus=delivered",
			}),
		});
		expect(response.status).toBe(503);
		expect((await response.json<{ error: { code: string } }>()).error.code).toBe("not_configured");
	});
});

describe("replies and consent", () => {
	async function reply(account: TwilioAccount, appEnv: TestEnv, body: string, from = "+14155552671") {
		const webhook = await inboundMessage(account, { from, to: SENDER, body, url: INBOUND_URL });
		const { response } = await postWebhook(appEnv, webhook);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^text\/xml/);
		return { twiml: await response.text(), webhook };
	}

	it("should honour STOP at once: the queued send is cancelled and later sends make no provider call", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const { twiml } = await reply(account, appEnv, " Stop please ");
		// Other tests' workspaces know this phone too: all are concerned (one sender for all), none is named.
		expect(twiml).toContain("<Message>You are unsubscribed and will get no more messages.");

		// The send queued before the STOP comes up for delivery: nothing goes out.
		const run = await runSends(appEnv, [sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "canceled", errorCode: "opted_out" });
		const later = await sendCampaign(appEnv, key, await newCampaign(key, { name: "Later" }), people);
		expect(later.body.skipped).toMatchObject([{ reason: "opted_out" }]);
		expect(await twilioRequests(account)).toHaveLength(0);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ canceled: 1, sent: 0 });
	});

	it("should re-subscribe on START, answer HELP with the workspace's text, and ignore other replies", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await runSends(appEnv, [sends[0]?.body]);

		await reply(account, appEnv, "STOP");
		const profile = async () =>
			(
				await (
					await api(appEnv, "/api/v1/contacts?phone=%2B14155552671", { key })
				).response.json<{
					contact: { optedOut: boolean; consent: { kind: string; source: string }[] };
				}>()
			).contact;
		expect((await profile()).optedOut).toBe(true);

		const { twiml, webhook } = await reply(account, appEnv, "start");
		expect(twiml).toContain("resubscribed");
		expect(await profile()).toMatchObject({
			optedOut: false,
			consent: [
				{ kind: "opt_in", source: "sms" },
				{ kind: "opt_out", source: "sms" },
			],
		});
		// The same webhook delivered again records nothing new.
		await postWebhook(appEnv, webhook);
		expect((await profile()).consent).toHaveLength(2);

		await api(appEnv, "/api/v1/workspace", {
			key,
			method: "PATCH",
			json: { helpText: "Acme: deals by SMS. Call 555-0100." },
		});
		expect((await reply(account, appEnv, "HELP")).twiml).toContain(
			"<Message>Acme: deals by SMS. Call 555-0100.</Message>",
		);
		expect((await reply(account, appEnv, "I can't stop smiling, thanks!")).twiml).toBe(
			'<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
		);
		expect((await profile()).optedOut).toBe(false);
	});

	it("should apply a STOP to every workspace that knows the phone, as they share one sender", async () => {
		const phone = "+14155557001";
		const texter = await setup(0);
		const bystander = await setup(0);
		const zone = DAYTIME();
		const sent = await sendCampaign(texter.appEnv, texter.key, texter.campaignId, [{ phone, timezone: zone }]);
		await runSends(
			texter.appEnv,
			sent.sends.map((s) => s.body),
		);
		await api(bystander.appEnv, `/api/v1/campaigns/${bystander.campaignId}/links`, {
			key: bystander.key,
			json: { recipients: [{ phone }] },
		});
		const { twiml } = await reply(texter.account, twilioApp(texter.account), "stop texting me", phone);
		// Not named: the reply must not tell the phone's holder which other customers have their number.
		expect(twiml).toContain("You are unsubscribed and will get no more messages.");
		const optedOut = async (key: string) =>
			(
				await (
					await api(baseEnv, `/api/v1/contacts?phone=${encodeURIComponent(phone)}`, { key })
				).response.json<{
					contact: { optedOut: boolean };
				}>()
			).contact.optedOut;
		expect(await optedOut(texter.key)).toBe(true);
		expect(await optedOut(bystander.key)).toBe(true);
		// A phone known to one workspace only is answered in its name.
		const solo = await setup(0);
		await api(solo.appEnv, `/api/v1/campaigns/${solo.campaignId}/links`, {
			key: solo.key,
			json: { recipients: [{ phone: "+14155557002" }] },
		});
		const answer = await reply(solo.account, solo.appEnv, "STOP", "+14155557002");
		expect(answer.twiml).toContain("You are unsubscribed from Acme Shoes and will get no more messages.");
	});

	it("should refuse an unsigned inbound message and change nothing", async () => {
		const { account, appEnv } = await setup(1);
		const webhook = await inboundMessage(account, { from: "+14155552671", to: SENDER, body: "STOP", url: INBOUND_URL });
		const { response } = await postWebhook(appEnv, {
			...webhook,
			headers: { "content-type": webhook.headers["content-type"] ?? "" },
		});
		expect(response.status).toBe(400);
	});
});

describe("quiet hours", () => {
	it("should hold a send made at night until the recipient's morning, and re-check it when it comes back", async () => {
		const { account, appEnv, key, campaignId } = await setup(1);
		const night = zoneWhereHourIs(3);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "+14155552671", timezone: night }]);
		expect(sent.body).toMatchObject({ queued: 1, deferred: 1 });
		const delay = sent.sends[0]?.delaySeconds ?? 0;
		// 03:xx to 08:00 local: between four and five hours.
		expect(delay).toBeGreaterThan(4 * 3600 - 3600);
		expect(delay).toBeLessThanOrEqual(5 * 3600);

		// Delivered early anyway (queues may): deferred again, nothing sent.
		const run = await runSends(appEnv, [sent.sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect(run.requeued).toHaveLength(1);
		expect(run.requeued[0]?.delaySeconds).toBeGreaterThan(0);
		expect(await twilioRequests(account)).toHaveLength(0);

		// In the morning it goes out.
		const morning = Date.now() + delay * 1000 + 60_000;
		const later = await runSends(appEnv, [sent.sends[0]?.body], 1, morning);
		expect(later.requeued).toHaveLength(0);
		expect(await twilioRequests(account)).toHaveLength(1);
	});
});

describe("the send request", () => {
	it("should report invalid phones, duplicates and the rendered texts of a dry run, writing nothing", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const zone = DAYTIME();
		const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
			key,
			json: {
				dryRun: true,
				message: "Hola {firstName}! Oferta: {link} — STOP para salir",
				recipients: [
					{ phone: "+14155552671", firstName: "Ana", timezone: zone },
					{ phone: "not a phone" },
					{ phone: "+1 (415) 555-2671", firstName: "Ana", timezone: zone },
				],
			},
		});
		expect(response.status).toBe(200);
		const body = await response.json<{
			messages: { body: string; encoding: string; segments: number; units: number }[];
			totals: { messages: number; segments: number };
			skipped: { index: number; reason: string }[];
		}>();
		expect(body.skipped).toMatchObject([
			{ index: 1, reason: "invalid_phone" },
			{ index: 2, reason: "duplicate" },
		]);
		// The em dash is not in the GSM alphabet: the whole text is UCS-2.
		expect(body.messages).toHaveLength(1);
		expect(body.messages[0]?.body).toMatch(/^Hola Ana! Oferta: https:\/\/tap\.example\/x{7} — STOP para salir$/);
		expect(body.messages[0]).toMatchObject({ encoding: "UCS-2", segments: 1 });
		expect(body.totals).toEqual({ messages: 1, segments: 1 });
		expect(await messagesOf(key, campaignId)).toHaveLength(0);
		const links = await api(appEnv, `/api/v1/campaigns/${campaignId}/stats`, { key });
		expect((await links.response.json<{ links: number }>()).links).toBe(0);
	});

	it("should refuse a template without {link} or with an unknown placeholder, and bad recipients, with 422", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		for (const [message, recipients] of [
			["Sale today, no link", [{ phone: "+14155552671" }]],
			["Hi {nickname} {link}", [{ phone: "+14155552671" }]],
			["Hi {link}", [{ phone: "+14155552671", colour: "red" }]],
		] as [string, unknown[]][]) {
			const { response, sends } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
				key,
				json: { message, recipients },
			});
			expect(response.status).toBe(422);
			expect((await response.json<{ error: { code: string } }>()).error.code).toBe("validation_failed");
			expect(sends).toHaveLength(0);
		}
		expect(await messagesOf(key, campaignId)).toHaveLength(0);
	});

	it("should answer 503 and send nothing when Twilio is chosen but not configured", async () => {
		const { key, campaignId, people } = await setup(1);
		const { response, sends } = await api(
			{ ...env, SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" } as TestEnv,
			`/api/v1/campaigns/${campaignId}/send`,
			{ key, json: { message: TEMPLATE, recipients: people } },
		);
		expect(response.status).toBe(503);
		const { error } = await response.json<{ error: { code: string; details: { message: string }[] } }>();
		expect(error.code).toBe("not_configured");
		expect(error.details.map((d) => d.message).join(" ")).toMatch(
			/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM.*PUBLIC_URL/,
		);
		expect(sends).toHaveLength(0);
	});

	it("should keep rendered messages in the outbox when no provider is configured, night or day", async () => {
		const { key, campaignId } = await setup(0);
		const outbox = { ...baseEnv };
		// The outbox texts nobody, so quiet hours hold nothing back.
		const sent = await sendCampaign(outbox, key, campaignId, [
			{ phone: "+14155552671", firstName: "Ada", timezone: zoneWhereHourIs(3) },
		]);
		expect(sent.body).toMatchObject({ queued: 1, deferred: 0 });
		expect(sent.sends[0]?.delaySeconds).toBeUndefined();
		await runSends(
			outbox,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		expect(message).toMatchObject({ provider: "outbox", status: "sent", phone: "+14155552671" });
		expect(String(message?.body)).toMatch(/^Hi Ada, 20% off today: https:\/\/tapline\.test\/[0-9A-Za-z]{7} /);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ sent: 1, total: 1 });
	});
});

describe("lifecycle events from other platforms", () => {
	it("should record events by phone and campaign, or by message id, through the same state machine", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }, { phone: "+14155552672" }] },
		});
		const post = (json: unknown) => api(appEnv, "/api/v1/messages/events", { key, json });
		const deliveredAt = new Date(Date.now() - 60_000).toISOString();
		const sentAt = new Date(Date.now() - 120_000).toISOString();
		const first = await post({
			events: [
				{ phone: "+14155552671", campaignId, status: "delivered", at: deliveredAt },
				{ phone: "+14155552672", campaignId, status: "failed", errorCode: 30006 },
			],
		});
		expect(first.response.status).toBe(202);
		await deliver(first.events.map((e) => e.body));
		const rows = await messagesOf(key, campaignId);
		const delivered = rows.find((m) => m.phone === "+14155552671");
		expect(delivered).toMatchObject({
			provider: "external",
			status: "delivered",
			deliveredAt: Date.parse(deliveredAt),
		});
		expect(rows.find((m) => m.phone === "+14155552672")).toMatchObject({ status: "failed", errorCode: "30006" });

		// A late "sent" for the delivered one, by message id: recorded, status unchanged.
		const late = await post({ messageId: delivered?.id, status: "sent", at: sentAt });
		expect(late.response.status).toBe(202);
		await deliver(late.events.map((e) => e.body));
		expect((await messagesOf(key, campaignId)).find((m) => m.id === delivered?.id)).toMatchObject({
			status: "delivered",
			sentAt: Date.parse(sentAt),
		});
	});

	it("should refuse an event dated before the message's link existed", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const { response, events } = await api(appEnv, "/api/v1/messages/events", {
			key,
			json: { phone: "+14155552671", campaignId, status: "delivered", at: "2026-01-01T00:00:00Z" },
		});
		expect(response.status).toBe(422);
		const { error } = await response.json<{ error: { details: { path: string; message: string }[] } }>();
		expect(error.details).toEqual([{ index: 0, path: "at", message: "is before the message's link was minted" }]);
		expect(events).toHaveLength(0);
	});

	it("should refuse the whole list when one event is wrong, naming it", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const { response, events } = await api(appEnv, "/api/v1/messages/events", {
			key,
			json: {
				events: [
					{ messageId: "msg_nope", status: "delivered" },
					{ phone: "+14155552671", campaignId, status: "teleported" },
					{ status: "sent" },
				],
			},
		});
		expect(response.status).toBe(422);
		const { error } = await response.json<{ error: { details: { index: number; path: string }[] } }>();
		expect(error.details.map((d) => d.path)).toEqual(["events.1.status", "events.2.messageId"]);
		expect(events).toHaveLength(0);
	});
});

describe("erasing a contact", () => {
	it("should erase the phone, texts and click ties, stop the link, and keep the anonymous counts", async () => {
		const { appEnv, workspaceId, key, campaignId, people } = await setup(1);
		const sent = await sendCampaign(baseEnv, key, campaignId, people);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		const code = String(message?.linkCode);
		const tap = await tapCapturing(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const before = await statsOf(key, campaignId);

		const contactId = String(message?.contactId);
		const erased = await api(appEnv, `/api/v1/contacts/${contactId}`, { key, method: "DELETE" });
		expect(erased.response.status).toBe(200);
		expect((await api(appEnv, `/api/v1/contacts/${contactId}`, { key })).response.status).toBe(404);
		expect((await api(appEnv, "/api/v1/contacts?phone=%2B14155552671", { key })).response.status).toBe(404);
		expect((await tapCapturing(`/${code}`)).response.status).toBe(404);

		const [after] = await messagesOf(key, campaignId);
		expect(after).toMatchObject({ phone: null, body: null, providerMessageId: null, status: "sent" });
		const rows = await env.DB.prepare("SELECT contact_id, user_agent FROM clicks WHERE link_code = ?1")
			.bind(code)
			.all();
		expect(rows.results).toEqual([{ contact_id: null, user_agent: null }]);
		const phones = await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?1 AND phone = ?2")
			.bind(workspaceId, "+14155552671")
			.first();
		expect(phones).toEqual({ n: 0 });
		const stats = await statsOf(key, campaignId);
		expect(stats.messages).toEqual(before.messages);
	});
});

describe("purchases against the message funnel", () => {
	it("should report conversion on delivered messages and revenue per message sent, per campaign and variant", async () => {
		const { key, campaignId } = await setup(0);
		const zone = DAYTIME();
		const recipients = ["+14155552671", "+14155552672", "+14155552673", "+14155552674"].map((phone, i) => ({
			phone,
			timezone: zone,
			variant: i < 2 ? "A" : "B",
		}));
		const sent = await sendCampaign(baseEnv, key, campaignId, recipients);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const messages = await messagesOf(key, campaignId);
		// Three delivered (both of A, one of B), one failed.
		const events = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: {
				events: messages.map((m) => ({
					messageId: m.id,
					status: m.phone === "+14155552674" ? "failed" : "delivered",
				})),
			},
		});
		await deliver(events.events.map((e) => e.body));

		// The first recipient of A taps and buys.
		const buyer = messages.find((m) => m.phone === "+14155552671");
		const tap = await tapCapturing(`/${buyer?.linkCode}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		const order = await api(baseEnv, "/api/v1/conversions", {
			key,
			json: { orderId: "A-1", value: 60, currency: "USD", tlid },
		});
		expect(order.response.status).toBe(202);
		await deliver(order.events.map((e) => e.body));

		const stats = await statsOf(key, campaignId);
		expect(stats.messages).toMatchObject({ sent: 3, delivered: 3, failed: 1, tapped: 1 });
		expect(stats.purchases).toMatchObject({
			purchasers: 1,
			revenue: { USD: 60 },
			conversionRateOnDelivered: 0.3333,
			revenuePerMessageSent: { USD: 20 },
		});
		const byVariant = Object.fromEntries(stats.byVariant.map((v) => [v.variant, v]));
		expect(byVariant.A).toMatchObject({
			messages: { sent: 2, delivered: 2, tapped: 1, clickThroughOnDelivered: 0.5 },
			purchases: { conversionRateOnDelivered: 0.5, revenuePerMessageSent: { USD: 30 } },
		});
		expect(byVariant.B).toMatchObject({
			messages: { sent: 1, delivered: 1, failed: 1, tapped: 0 },
			purchases: { conversionRateOnDelivered: 0, revenuePerMessageSent: {} },
		});
	});
});

describe("more of Twilio's answers", () => {
	it("should send through a Messaging Service when one is configured", async () => {
		const { account, key, campaignId, people } = await setup(1);
		const appEnv = twilioApp(account, { TWILIO_MESSAGING_SERVICE_SID: `MG${"c".repeat(32)}` });
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await runSends(appEnv, [sends[0]?.body]);
		const [call] = await twilioRequests(account);
		expect(call?.params.MessagingServiceSid).toBe(`MG${"c".repeat(32)}`);
		expect(call?.params.From).toBeUndefined();
		// Twilio answers "accepted" for a Messaging Service: the same step as queued.
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "queued" });
	});

	it("should count a send whose answer never comes as unknown, and not send it again", async () => {
		const { account, key, campaignId, people } = await setup(1);
		const appEnv = twilioApp(account, { TWILIO_TIMEOUT_MS: "300" });
		await scriptTwilio(account, [{ hang: true }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const run = await runSends(appEnv, [sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "unknown", errorCode: "timeout" });
		await runSends(appEnv, [sends[0]?.body], 2);
		expect(await twilioRequests(account)).toHaveLength(1);
	});

	it("should hold every message while Twilio refuses the account, instead of failing them", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		await scriptTwilio(account, [{ status: 401, code: 20003 }]);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const refused = await runSends(appEnv, [sends[0]?.body]);
		expect(refused.retryMessages).toHaveLength(1);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "pending" });
		await runSends(appEnv, [sends[0]?.body], 2);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "queued" });
	});

	it("should opt out a recipient whose receipt says they unsubscribed (21610)", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		await runSends(appEnv, [sends[0]?.body]);
		const [call] = await twilioRequests(account);
		const { events } = await postWebhook(
			appEnv,
			await statusCallback(account, String(call?.response.sid), "failed", 21610),
		);
		await deliver(events.map((e) => e.body));
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "failed", errorCode: "21610" });
		const { response } = await api(appEnv, "/api/v1/contacts?phone=%2B14155552671", { key });
		expect((await response.json<{ contact: { optedOut: boolean } }>()).contact.optedOut).toBe(true);
	});
});

describe("quiet hours from the phone number", () => {
	it("should hold a Connecticut number at 20:01 New York time for the 12 hours a queue delay allows", async () => {
		const { account, appEnv, key, campaignId } = await setup(0);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "+12034561234" }]);
		// 2026-06-17 20:01 EDT: past Connecticut's 20:00; it opens at 09:00, 13 hours on, beyond one delay.
		const evening = Date.parse("2026-06-18T00:01:00Z");
		const run = await runSends(appEnv, [sent.sends[0]?.body], 1, evening);
		expect(run.requeued[0]?.delaySeconds).toBe(43_200);
		// Twelve hours later, 08:01: still an hour to wait.
		const early = await runSends(appEnv, [sent.sends[0]?.body], 1, evening + 43_200_000);
		expect(early.requeued[0]?.delaySeconds).toBe(59 * 60);
		const open = await runSends(appEnv, [sent.sends[0]?.body], 1, Date.parse("2026-06-18T13:00:00Z"));
		expect(open.requeued).toHaveLength(0);
		expect(await twilioRequests(account)).toHaveLength(1);
	});
});

describe("consent changes and sends", () => {
	it("should send a campaign again to a contact who opted out before it went out and then back in", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(1);
		const first = await sendCampaign(appEnv, key, campaignId, people);
		const stop = await inboundMessage(account, { from: "+14155552671", to: SENDER, body: "STOP", url: INBOUND_URL });
		await postWebhook(appEnv, stop);
		await runSends(
			appEnv,
			first.sends.map((s) => s.body),
		);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "canceled" });
		const start = await inboundMessage(account, { from: "+14155552671", to: SENDER, body: "START", url: INBOUND_URL });
		await postWebhook(appEnv, start);

		const again = await sendCampaign(appEnv, key, campaignId, people);
		expect(again.body).toMatchObject({ queued: 1, skipped: [] });
		await runSends(
			appEnv,
			again.sends.map((s) => s.body),
		);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "queued", errorCode: null });
		expect(await twilioRequests(account)).toHaveLength(1);
	});
});

describe("the cron's sweep of stalled sends", () => {
	it("should queue again a pending message nothing will deliver, and settle a claim whose call died", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(2);
		const sent = await sendCampaign(appEnv, key, campaignId, people);
		const [a, b] = await messagesOf(key, campaignId);
		const now = Date.now();
		// a: its queue message was lost 14 hours ago; b: claimed 20 minutes ago by a sender that never came back.
		await env.DB.batch([
			env.DB.prepare("UPDATE messages SET updated_at = ?2 WHERE id = ?1").bind(a?.id, now - 14 * 3600_000),
			env.DB.prepare("UPDATE messages SET status = 'submitting', updated_at = ?2 WHERE id = ?1").bind(
				b?.id,
				now - 20 * 60_000,
			),
		]);
		const sends = capturingQueue();
		await runScheduled({ ...appEnv, SENDS: sends }, now);
		expect(sends.sent.map((s) => s.body)).toContainEqual({ v: 1, type: "send", messageId: a?.id });
		expect(sends.sent.map((s) => s.body)).not.toContainEqual({ v: 1, type: "send", messageId: b?.id });
		const rows = await messagesOf(key, campaignId);
		expect(rows.find((m) => m.id === b?.id)).toMatchObject({ status: "unknown", errorCode: "stalled" });
		// The swept message goes out once, even with its original queue message turning up as well.
		await runSends(
			appEnv,
			[...sends.sent, ...sent.sends].map((s) => s.body),
		);
		expect((await twilioRequests(account)).map((r) => r.params.To)).toEqual([a?.phone]);
	});
});

describe("listing messages", () => {
	it("should refuse a cursor it did not give out with 400", async () => {
		const { key } = await setup(0);
		for (const cursor of ["%%%", "bm9wZQ"]) {
			const { response } = await api(baseEnv, `/api/v1/messages?cursor=${cursor}`, { key });
			expect(response.status).toBe(400);
		}
	});
});

describe("the journey view with messages", () => {
	it("should show messages, conversion on delivered and revenue per message sent per stage", async () => {
		const { key } = await setup(0);
		const campaignId = await newCampaign(key, { name: "Retain", stage: "retention" });
		const zone = DAYTIME();
		const sent = await sendCampaign(baseEnv, key, campaignId, [
			{ phone: "+14155558001", timezone: zone },
			{ phone: "+14155558002", timezone: zone },
		]);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [first] = await messagesOf(key, campaignId);
		const delivered = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: { messageId: first?.id, status: "delivered" },
		});
		await deliver(delivered.events.map((e) => e.body));
		const tap = await tapCapturing(`/${first?.linkCode}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		const order = await api(baseEnv, "/api/v1/conversions", {
			key,
			json: { orderId: "R-1", value: 30, currency: "EUR", tlid },
		});
		await deliver(order.events.map((e) => e.body));

		const { response } = await api(baseEnv, "/api/v1/journey", { key });
		const { stages } = await response.json<{ stages: { stage: string }[] }>();
		expect(stages.find((s) => s.stage === "retention")).toMatchObject({
			campaigns: 1,
			purchasers: 1,
			messages: { sent: 2, delivered: 1, deliveryRate: 0.5 },
			conversionRateOnDelivered: 1,
			revenuePerMessageSent: { EUR: 15 },
		});
	});
});

describe("edges a new user found", () => {
	it("should answer 202 with every recipient skipped when none can be sent to", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "not a phone" }]);
		expect(sent.status).toBe(202);
		expect(sent.body).toMatchObject({ queued: 0, skipped: [{ index: 0, reason: "invalid_phone" }] });
	});

	it("should not count a tap made before the message was sent as a click-through on it", async () => {
		const { key, campaignId } = await setup(0);
		const [link] = await (
			await api(baseEnv, `/api/v1/campaigns/${campaignId}/links`, {
				key,
				json: { recipients: [{ phone: "+14155552671" }] },
			})
		).response
			.json<{ links: { code: string }[] }>()
			.then((b) => b.links);
		const early = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(early.sent);
		await new Promise((resolve) => setTimeout(resolve, 5));
		const sent = await sendCampaign(baseEnv, key, campaignId, [{ phone: "+14155552671", timezone: DAYTIME() }]);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		const reported = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: { messageId: message?.id, status: "delivered" },
		});
		await deliver(reported.events.map((e) => e.body));
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ delivered: 1, tapped: 0 });

		const later = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(later.sent);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ delivered: 1, tapped: 1 });
	});

	it("should read a '+' that a URL turned into a space, and show a contact without taps as awareness", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const { response } = await api(appEnv, "/api/v1/contacts?phone=+14155552671", { key });
		expect(response.status).toBe(200);
		expect((await response.json<{ contact: { stage: string } }>()).contact.stage).toBe("awareness");
	});

	it("should answer 404, not a self-contradicting 405, for a path with a trailing slash", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/`, { key });
		expect(response.status).toBe(404);
	});

	it("should answer 400 for a bad query on the messages list", async () => {
		const { appEnv, key } = await setup(0);
		for (const query of ["limit=0", "limit=1000", "status=bogus"]) {
			const { response } = await api(appEnv, `/api/v1/messages?${query}`, { key });
			expect(response.status).toBe(400);
		}
	});
});
