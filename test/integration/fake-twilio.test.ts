// The fake Twilio itself, from inside workerd, so that tests of the app's Twilio client can trust what it says.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import {
	deliverStatusCallback,
	inboundMessage,
	newTwilioAccount,
	resetTwilio,
	scriptTwilio,
	statusCallback,
	type TwilioAccount,
	twilioRequests,
} from "../support/twilio";

const FROM = "+15017122661";
const TO = "+15558675310";

function sendMessage(account: TwilioAccount, fields: [string, string][], init: RequestInit = {}): Promise<Response> {
	return fetch(`${account.apiBase}/2010-04-01/Accounts/${account.accountSid}/Messages.json`, {
		method: "POST",
		headers: {
			authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}`,
			"content-type": "application/x-www-form-urlencoded",
		},
		body: new URLSearchParams(fields).toString(),
		...init,
	});
}

async function createMessage(account: TwilioAccount, statusCallbackUrl: string): Promise<string> {
	const res = await sendMessage(account, [
		["To", TO],
		["From", FROM],
		["Body", "Spring sale: https://tap.example/abc1234"],
		["StatusCallback", statusCallbackUrl],
	]);
	expect(res.status).toBe(201);
	return (await res.json<{ sid: string }>()).sid;
}

interface TwilioError {
	code: number;
	message: string;
	more_info: string;
	status: number;
}

/** Twilio's algorithm, written again with Web Crypto so that the test does not trust the fake's own. */
async function expectedSignature(authToken: string, url: string, params: Record<string, string>): Promise<string> {
	const data = Object.keys(params)
		.sort()
		.reduce((acc, name) => acc + name + params[name], url);
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(authToken),
		{ name: "HMAC", hash: "SHA-1" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data));
	return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

describe("the fake Twilio Messages API", () => {
	it("should be where the Worker's TWILIO_API_BASE points in tests", () => {
		expect(inject("fakeTwilioUrl")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(env.TWILIO_API_BASE).toBe(inject("fakeTwilioUrl"));
	});

	it("should create a message from a form-encoded, Basic-authenticated request and answer as Twilio does", async () => {
		const account = newTwilioAccount();
		const res = await sendMessage(account, [
			["To", TO],
			["From", FROM],
			["Body", "Hello"],
			["StatusCallback", "https://tapline.test/api/v1/webhooks/twilio/status"],
		]);

		expect(res.status).toBe(201);
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
		const message = await res.json<Record<string, unknown>>();
		expect(message).toMatchObject({
			account_sid: account.accountSid,
			api_version: "2010-04-01",
			to: TO,
			from: FROM,
			messaging_service_sid: null,
			body: "Hello",
			status: "queued",
			num_segments: "1",
			num_media: "0",
			direction: "outbound-api",
			error_code: null,
			error_message: null,
			price: null,
			date_sent: null,
		});
		expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
		expect(message.uri).toBe(`/2010-04-01/Accounts/${account.accountSid}/Messages/${message.sid}.json`);
		expect(message.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);

		const [recorded] = await twilioRequests(account);
		expect(recorded).toMatchObject({
			method: "POST",
			path: `/2010-04-01/Accounts/${account.accountSid}/Messages.json`,
			authUser: account.accountSid,
			authPassword: account.authToken,
			contentType: "application/x-www-form-urlencoded",
			params: { To: TO, From: FROM, Body: "Hello" },
			response: { status: 201, sid: message.sid, errorCode: null },
		});
	});

	it("should accept, not queue, a message sent through a Messaging Service", async () => {
		const account = newTwilioAccount();
		const service = `MG${"0".repeat(32)}`;
		const res = await sendMessage(account, [
			["To", TO],
			["MessagingServiceSid", service],
			["Body", "Hello"],
		]);
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ status: "accepted", from: null, messaging_service_sid: service });
	});

	it("should record every form field verbatim, repeated names included", async () => {
		const account = newTwilioAccount();
		const fields: [string, string][] = [
			["To", TO],
			["From", FROM],
			["Body", "é & = + 🎉"],
			["MediaUrl", "https://a.example/1.png"],
			["MediaUrl", "https://a.example/2.png"],
		];
		await sendMessage(account, fields);
		const [recorded] = await twilioRequests(account);
		expect(recorded?.fields).toEqual(fields);
		expect(recorded?.params.MediaUrl).toBe("https://a.example/1.png");
	});

	it.each([
		["To", 21604],
		["From", 21603],
		["Body", 21602],
	])("should answer 400 with Twilio's error JSON when %s is missing", async (missing, code) => {
		const account = newTwilioAccount();
		const fields: [string, string][] = [
			["To", TO],
			["From", FROM],
			["Body", "Hello"],
		];
		const res = await sendMessage(
			account,
			fields.filter(([name]) => name !== missing),
		);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			code,
			message: expect.any(String),
			more_info: `https://www.twilio.com/docs/errors/${code}`,
			status: 400,
		});
	});

	it("should read a JSON body as no parameters at all, as Twilio does", async () => {
		const account = newTwilioAccount();
		const res = await sendMessage(account, [], {
			headers: {
				authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}`,
				"content-type": "application/json",
			},
			body: JSON.stringify({ To: TO, From: FROM, Body: "Hello" }),
		});
		expect(res.status).toBe(400);
		expect((await res.json<TwilioError>()).code).toBe(21604);
	});

	it("should refuse with 401 and code 20003 a user other than the path's Account SID, or no credentials", async () => {
		const account = newTwilioAccount();
		const other = newTwilioAccount();
		const wrongUser = await sendMessage(account, [["To", TO]], {
			headers: {
				authorization: `Basic ${btoa(`${other.accountSid}:${other.authToken}`)}`,
				"content-type": "application/x-www-form-urlencoded",
			},
		});
		expect(wrongUser.status).toBe(401);
		expect(await wrongUser.json()).toMatchObject({ code: 20003, status: 401 });

		const anonymous = await sendMessage(account, [["To", TO]], {
			headers: { "content-type": "application/x-www-form-urlencoded" },
		});
		expect(anonymous.status).toBe(401);
		expect(await anonymous.json()).toMatchObject({ code: 20003 });
	});
});

describe("the fake Twilio's scripted outcomes", () => {
	it("should answer the scripted 429 once, then succeed", async () => {
		const account = newTwilioAccount();
		await scriptTwilio(account, [{ status: 429, code: 20429, headers: { "retry-after": "1" } }]);
		const fields: [string, string][] = [
			["To", TO],
			["From", FROM],
			["Body", "Hello"],
		];

		const limited = await sendMessage(account, fields);
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toBe("1");
		expect(await limited.json()).toEqual({
			code: 20429,
			message: "Too Many Requests",
			more_info: "https://www.twilio.com/docs/errors/20429",
			status: 429,
		});
		const retried = await sendMessage(account, fields);
		expect(retried.status).toBe(201);

		const requests = await twilioRequests(account);
		expect(requests.map((r) => r.response.status)).toEqual([429, 201]);
	});

	it("should answer every message to a scripted recipient with its error, and others normally", async () => {
		const account = newTwilioAccount();
		const unsubscribed = "+15550001111";
		await scriptTwilio(account, [{ to: unsubscribed, status: 400, code: 21610 }]);
		const to = (phone: string): [string, string][] => [
			["To", phone],
			["From", FROM],
			["Body", "Hello"],
		];

		for (let i = 0; i < 2; i++) {
			const res = await sendMessage(account, to(unsubscribed));
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ code: 21610 });
		}
		expect((await sendMessage(account, to(TO))).status).toBe(201);

		await resetTwilio(account);
		expect((await sendMessage(account, to(unsubscribed))).status).toBe(201);
		expect(await twilioRequests(account)).toHaveLength(1);
	});

	it("should never answer a hang, so that the client's timeout is what ends it", async () => {
		const account = newTwilioAccount();
		await scriptTwilio(account, [{ hang: true }]);
		const started = Date.now();
		const sending = sendMessage(
			account,
			[
				["To", TO],
				["From", FROM],
				["Body", "Hello"],
			],
			{ signal: AbortSignal.timeout(200) },
		);
		await expect(sending).rejects.toThrow();
		expect(Date.now() - started).toBeGreaterThanOrEqual(150);

		const [recorded] = await twilioRequests(account);
		expect(recorded?.response.status).toBeNull();
	});

	it("should keep each account's requests to itself", async () => {
		const first = newTwilioAccount();
		const second = newTwilioAccount();
		await scriptTwilio(first, [{ status: 500, code: 20500 }]);
		const fields: [string, string][] = [
			["To", TO],
			["From", FROM],
			["Body", "Hello"],
		];
		expect((await sendMessage(second, fields)).status).toBe(201);
		expect((await sendMessage(first, fields)).status).toBe(500);

		const [firstRequests, secondRequests] = await Promise.all([twilioRequests(first), twilioRequests(second)]);
		expect(firstRequests.map((r) => r.authUser)).toEqual([first.accountSid]);
		expect(secondRequests.map((r) => r.authUser)).toEqual([second.accountSid]);
	});
});

describe("the fake Twilio's webhooks", () => {
	it("should describe a status callback signed with the account's auth token over the URL and sorted parameters", async () => {
		const account = newTwilioAccount();
		const url = "https://tapline.test/api/v1/webhooks/twilio/status?workspace=ws_1";
		const sid = await createMessage(account, url);

		const callback = await statusCallback(account, sid, "undelivered", 30003);

		expect(callback.url).toBe(url);
		const params = Object.fromEntries(new URLSearchParams(callback.body));
		expect(params).toEqual({
			MessageSid: sid,
			SmsSid: sid,
			MessageStatus: "undelivered",
			SmsStatus: "undelivered",
			AccountSid: account.accountSid,
			From: FROM,
			To: TO,
			ApiVersion: "2010-04-01",
			ErrorCode: "30003",
		});
		expect(callback.signature).toBe(await expectedSignature(account.authToken, url, params));
		expect(callback.headers["x-twilio-signature"]).toBe(callback.signature);
		expect(callback.headers["content-type"]).toBe("application/x-www-form-urlencoded");
		// The order of the body is not the signed order: only sorting by name makes the signature match.
		const unsorted = Object.keys(params).reduce((acc, name) => acc + name + params[name], url);
		expect(Object.keys(params)).not.toEqual(Object.keys(params).sort());
		expect(callback.signature).not.toBe(await expectedSignature(account.authToken, unsorted, {}));

		const fetched = await fetch(`${account.apiBase}/2010-04-01/Accounts/${account.accountSid}/Messages/${sid}.json`, {
			headers: { authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}` },
		});
		expect(await fetched.json()).toMatchObject({ status: "undelivered", error_code: 30003 });
	});

	it("should leave ErrorCode out of a delivered callback", async () => {
		const account = newTwilioAccount();
		const sid = await createMessage(account, "https://tapline.test/status");
		const callback = await statusCallback(account, sid, "delivered");
		expect(callback.params).not.toHaveProperty("ErrorCode");
		expect(callback.params.MessageStatus).toBe("delivered");
	});

	it("should POST the signed callback itself when asked to deliver it", async () => {
		const account = newTwilioAccount();
		// The fake's own API records what reaches it, so it can stand in for the app's endpoint here.
		const url = `${account.apiBase}/2010-04-01/Accounts/${account.accountSid}/StatusHook`;
		const sid = await createMessage(account, url);

		const delivered = await deliverStatusCallback(account, sid, "sent");

		expect(delivered.response.status).toBe(401);
		const hook = (await twilioRequests(account)).at(-1);
		expect(hook).toMatchObject({
			method: "POST",
			contentType: "application/x-www-form-urlencoded",
			rawBody: delivered.body,
			params: { MessageSid: sid, MessageStatus: "sent" },
		});
		expect(hook?.headers["x-twilio-signature"]).toBe(delivered.signature);
	});

	it("should describe a signed incoming message", async () => {
		const account = newTwilioAccount();
		const url = "https://tapline.test/api/v1/webhooks/twilio/inbound";
		const inbound = await inboundMessage(account, { from: TO, to: FROM, body: "STOP", url });

		const params = Object.fromEntries(new URLSearchParams(inbound.body));
		expect(params).toMatchObject({
			MessageSid: inbound.messageSid,
			AccountSid: account.accountSid,
			From: TO,
			To: FROM,
			Body: "STOP",
			NumMedia: "0",
			ApiVersion: "2010-04-01",
		});
		expect(inbound.messageSid).toMatch(/^SM[0-9a-f]{32}$/);
		expect(inbound.signature).toBe(await expectedSignature(account.authToken, url, params));
	});
});
