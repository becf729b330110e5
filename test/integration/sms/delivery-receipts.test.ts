import { describe, expect, it } from "vitest";
import { deliver } from "../../support/helpers";
import {
	messagesOf,
	PUBLIC_URL,
	STATUS_URL,
	sendCampaign,
	setup,
	signedStatus,
	statsOf,
} from "../../support/sms-campaign";
import { api, baseEnv, postWebhook, runSends } from "../../support/sms-harness";
import { statusCallback, twilioRequests } from "../../support/twilio";

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
