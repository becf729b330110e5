// A workspace with a campaign and a few recipients, sending through its own account of the fake Twilio, and the
// reads the SMS tests make of it: the messages list and the campaign's stats. Used by test/integration/sms/ and the
// follow-up tests.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { hmacOf, newCampaign, newWorkspace } from "./helpers";
import { api, baseEnv, type TestEnv } from "./sms-harness";
import { newTwilioAccount, type TwilioAccount, twilioEnv } from "./twilio";
import { zoneWhereHourIs } from "./zones";

export const PUBLIC_URL = "https://tap.example";
export const SENDER = "+15005550006";
export const STATUS_URL = `${PUBLIC_URL}/api/v1/webhooks/twilio/status`;
export const TEMPLATE = "Hi {firstName|there}, 20% off today: {link} Reply STOP to opt out";

export const DAYTIME = () => zoneWhereHourIs(12);

export function twilioApp(account: TwilioAccount, extra: Record<string, unknown> = {}): TestEnv {
	return { ...env, ...twilioEnv(account), TWILIO_FROM: SENDER, PUBLIC_URL, ...extra } as TestEnv;
}

export async function sendCampaign(
	appEnv: TestEnv,
	key: string,
	campaignId: string,
	recipients: unknown[],
	extra = {},
) {
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

export async function messagesOf(key: string, campaignId: string) {
	const { response } = await api(baseEnv, `/api/v1/messages?campaignId=${campaignId}`, { key });
	expect(response.status).toBe(200);
	return (await response.json<{ messages: Record<string, unknown>[] }>()).messages;
}

export async function statsOf(key: string, campaignId: string) {
	const { response } = await api(baseEnv, `/api/v1/campaigns/${campaignId}/stats`, { key });
	expect(response.status).toBe(200);
	return response.json<{
		messages: Record<string, number | null | Record<string, number | null>>;
		purchases: Record<string, unknown>;
		byVariant: { variant: string; messages: Record<string, unknown>; purchases: Record<string, unknown> }[];
	}>();
}

/** A new workspace ("Acme Shoes") with a campaign ("Spring"), its own Twilio account, and up to three recipients
 * where it is midday. */
export async function setup(recipients = 2) {
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

/** A status callback signed as Twilio signs it, for messages the fake did not create. */
export async function signedStatus(account: TwilioAccount, fields: { url: string } & Record<string, string>) {
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
