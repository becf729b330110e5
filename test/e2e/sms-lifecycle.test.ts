// The SMS lifecycle end to end, as a deployment would run it: the Worker under `wrangler dev` with its real local
// queues sends through the fake Twilio (test/support/fakes/twilio.ts), which posts signed status callbacks and inbound
// replies back to the Worker over HTTP. No browser is needed; it shares the browser suite's Worker.
import { describe, expect, inject, it } from "vitest";
import {
	deliverStatusCallback,
	type TwilioAccount,
	type TwilioRecordedRequest,
	twilioRequests,
} from "../support/twilio";
import { zoneWhereHourIs } from "../support/zones";

const workerUrl = inject("workerUrl");
const adminToken = inject("adminToken");
const account: TwilioAccount = {
	accountSid: inject("twilioAccountSid"),
	authToken: inject("twilioAuthToken"),
	apiBase: inject("fakeTwilioUrl"),
};
const IPHONE_UA =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const WAIT_MS = 20_000;

async function api<T>(path: string, key: string, json?: unknown): Promise<{ status: number; body: T }> {
	const res = await fetch(`${workerUrl}/api/v1${path}`, {
		method: json === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
		body: json === undefined ? undefined : JSON.stringify(json),
	});
	return { status: res.status, body: (await res.json()) as T };
}

async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const deadline = Date.now() + WAIT_MS;
	let last = await read();
	while (!done(last)) {
		if (Date.now() > deadline)
			throw new Error(`${what} did not happen within ${WAIT_MS} ms; last: ${JSON.stringify(last)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
		last = await read();
	}
	return last;
}

describe("an SMS campaign end to end through wrangler dev and a fake Twilio", () => {
	it("should go sent → delivered → tapped, and honour a STOP reply", async () => {
		const { body: created } = await api<{ apiKey: string }>("/workspaces", adminToken, { name: "E2E Shoes" });
		const key = created.apiKey;
		const { body: campaign } = await api<{ campaign: { id: string } }>("/campaigns", key, {
			name: "E2E Spring",
			stage: "consideration",
			destinationUrl: "https://shop.example/sale",
		});
		const campaignId = campaign.campaign.id;
		const zone = zoneWhereHourIs(12);
		const phones = ["+14157060101", "+14157060102"];
		const sent = await api<{ queued: number }>(`/campaigns/${campaignId}/send`, key, {
			message: "Hi {firstName|there}: {link}",
			recipients: phones.map((phone, i) => ({ phone, timezone: zone, ...(i === 0 ? { firstName: "Ada" } : {}) })),
		});
		expect(sent).toEqual({ status: 202, body: { queued: 2, deferred: 0, skipped: [] } });

		// The send queue consumer calls Twilio once per recipient.
		const isOurs = (r: TwilioRecordedRequest) => phones.includes(r.params.To ?? "");
		const calls = (
			await eventually(
				"two Twilio calls",
				() => twilioRequests(account),
				(requests) => requests.filter(isOurs).length >= 2,
			)
		).filter(isOurs);
		expect(calls).toHaveLength(2);
		const ada = calls.find((c) => c.params.To === phones[0]) as TwilioRecordedRequest;
		expect(ada.params.Body).toMatch(new RegExp(`^Hi Ada: ${workerUrl}/[0-9A-Za-z]{7}$`));
		expect(ada.params.StatusCallback).toMatch(
			new RegExp(`^${workerUrl}/api/v1/webhooks/twilio/status\\?messageId=msg_`),
		);

		// Twilio calls back, signed, over HTTP: sent then delivered for Ada.
		for (const status of ["sent", "delivered"]) {
			const callback = await deliverStatusCallback(account, ada.response.sid as string, status);
			expect(callback.response.status).toBe(204);
		}
		const tap = await fetch(ada.params.Body?.split(": ")[1] as string, {
			redirect: "manual",
			headers: { "user-agent": IPHONE_UA },
		});
		expect(tap.status).toBe(302);

		const stats = await eventually(
			"delivered and tapped in the stats",
			async () =>
				(await api<{ messages: Record<string, unknown> }>(`/campaigns/${campaignId}/stats`, key)).body.messages,
			(m) => m.delivered === 1 && m.tapped === 1,
		);
		expect(stats).toMatchObject({ total: 2, delivered: 1, tapped: 1, clickThroughOnDelivered: 1 });

		// The second recipient replies STOP; a later campaign skips them and Twilio hears nothing more about them.
		const reply = await fetch(`${account.apiBase}/__fake/accounts/${account.accountSid}/deliver-inbound`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({
				from: phones[1],
				to: "+15005550006",
				body: "STOP",
				url: `${workerUrl}/api/v1/webhooks/twilio/inbound`,
				authToken: account.authToken,
			}),
		});
		const replied = (await reply.json()) as { response: { status: number; body: string } };
		expect(replied.response.status).toBe(200);
		expect(replied.response.body).toContain("You are unsubscribed from E2E Shoes");

		const { body: next } = await api<{ campaign: { id: string } }>("/campaigns", key, {
			name: "E2E Summer",
			stage: "consideration",
			destinationUrl: "https://shop.example/summer",
		});
		const again = await api<{ queued: number; skipped: { reason: string }[] }>(
			`/campaigns/${next.campaign.id}/send`,
			key,
			{
				message: "Summer: {link}",
				recipients: phones.map((phone) => ({ phone, timezone: zone })),
			},
		);
		expect(again.body).toMatchObject({ queued: 1, skipped: [{ index: 1, reason: "opted_out" }] });
		await eventually(
			"the summer send",
			() => twilioRequests(account),
			(requests) => requests.filter(isOurs).length >= 3,
		);
		const toStopped = (await twilioRequests(account)).filter((r) => r.params.To === phones[1]);
		expect(toStopped).toHaveLength(1);
	});
});
