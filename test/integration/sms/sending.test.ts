import { describe, expect, it } from "vitest";
import { runScheduled } from "../../../src/scheduled";
import { deliver, IPHONE_SAFARI, newCampaign, tapCapturing } from "../../support/helpers";
import { capturingQueue, refusingQueue } from "../../support/queues";
import {
	messagesOf,
	SENDER,
	STATUS_URL,
	sendCampaign,
	setup,
	signedStatus,
	statsOf,
	TEMPLATE,
	twilioApp,
} from "../../support/sms-campaign";
import { api, postWebhook, runSends } from "../../support/sms-harness";
import { scriptTwilio, statusCallback, twilioRequests } from "../../support/twilio";

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
