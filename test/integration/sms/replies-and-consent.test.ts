import { describe, expect, it } from "vitest";
import { newCampaign } from "../../support/helpers";
import {
	DAYTIME,
	messagesOf,
	PUBLIC_URL,
	SENDER,
	sendCampaign,
	setup,
	statsOf,
	twilioApp,
} from "../../support/sms-campaign";
import { api, baseEnv, postWebhook, runSends, type TestEnv } from "../../support/sms-harness";
import { inboundMessage, type TwilioAccount, twilioRequests } from "../../support/twilio";

const INBOUND_URL = `${PUBLIC_URL}/api/v1/webhooks/twilio/inbound`;

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
		// Another workspace knows this phone too (in the one-file suite, earlier tests' workspaces stood in for it).
		const bystander = await setup(0);
		await api(bystander.appEnv, `/api/v1/campaigns/${bystander.campaignId}/links`, {
			key: bystander.key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const { sends } = await sendCampaign(appEnv, key, campaignId, people);
		const { twiml } = await reply(account, appEnv, " Stop please ");
		// Both workspaces are concerned (one sender for all), so neither is named.
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
		// A phone known to one workspace only, which texted it, is answered in its name.
		const solo = await setup(0);
		const soloSent = await sendCampaign(solo.appEnv, solo.key, solo.campaignId, [
			{ phone: "+14155557002", timezone: zone },
		]);
		await runSends(
			solo.appEnv,
			soloSent.sends.map((s) => s.body),
		);
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
