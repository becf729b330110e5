// Worker-side client of the fake Twilio (test/support/fakes/twilio.ts), which runs in the vitest main process. Each test makes
// its own account: the fake keeps every piece of state under the Account SID, so parallel test files never collide.
//
// Outbound fetch from the Workers pool to 127.0.0.1 needs no Miniflare option: the default outbound network of
// workerd under Miniflare allows public and private addresses. The URL comes from `inject`, which works inside
// workerd because the pool forwards `project.provide` values to each runner.
import { inject } from "vitest";

/** A scripted answer to the next Messages.json request of an account (or, with `to`, to every one for that number). */
export type TwilioScript =
	| {
			/** HTTP status of the error, e.g. 429 or 500. */
			status: number;
			/** Twilio error code, e.g. 20429; `message` and `more_info` follow from it unless given. */
			code: number;
			message?: string;
			headers?: Record<string, string>;
			/** Only for this recipient, every time until reset, instead of once for the next request. */
			to?: string;
	  }
	| { hang: true; to?: string };

export interface TwilioRecordedRequest {
	method: string;
	path: string;
	/** Basic auth user and password as received; null when the header was missing or not Basic. */
	authUser: string | null;
	authPassword: string | null;
	contentType: string | null;
	headers: Record<string, string>;
	rawBody: string;
	/** Every form field in order, repeated names included (empty unless the body was form-encoded). */
	fields: [string, string][];
	/** The first value of each field, as Twilio reads a scalar parameter. */
	params: Record<string, string>;
	/** ISO 8601, when the fake received it. */
	time: string;
	/** What the fake answered; status is null while a `hang` is holding the request. */
	response: { status: number | null; sid: string | null; errorCode: number | null };
}

/** A webhook request as Twilio would send it: POST, form-encoded, signed. */
export interface TwilioWebhook {
	url: string;
	/** application/x-www-form-urlencoded body. */
	body: string;
	/** X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, over url + sorted name/value pairs. */
	signature: string;
	params: Record<string, string>;
	/** The headers Twilio sends with it, signature and content type included. */
	headers: Record<string, string>;
}

export interface TwilioAccount {
	accountSid: string;
	authToken: string;
	/** Origin of the fake's REST API, to use in place of https://api.twilio.com. */
	apiBase: string;
}

export function newTwilioAccount(): TwilioAccount {
	return { accountSid: `AC${randomHex(16)}`, authToken: randomHex(16), apiBase: inject("fakeTwilioUrl") };
}

/** Env overrides that make the app send through this account of the fake. */
export function twilioEnv(account: TwilioAccount) {
	return {
		SMS_PROVIDER: "twilio",
		TWILIO_ACCOUNT_SID: account.accountSid,
		TWILIO_AUTH_TOKEN: account.authToken,
		TWILIO_API_BASE: account.apiBase,
	};
}

export async function twilioRequests(account: TwilioAccount): Promise<TwilioRecordedRequest[]> {
	const res = await control(account, "requests", undefined, "GET");
	return ((await res.json()) as { requests: TwilioRecordedRequest[] }).requests;
}

export async function scriptTwilio(account: TwilioAccount, entries: TwilioScript[]): Promise<void> {
	await (await control(account, "script", entries)).body?.cancel();
}

export async function resetTwilio(account: TwilioAccount): Promise<void> {
	await (await control(account, "reset", {})).body?.cancel();
}

/**
 * The status callback Twilio would send for a message the app created, to its StatusCallback, signed with the auth
 * token the app authenticated with. The fake's copy of the message takes the new status.
 */
export async function statusCallback(
	account: TwilioAccount,
	messageSid: string,
	status: string,
	errorCode?: number,
): Promise<TwilioWebhook> {
	const res = await control(account, "callback", { sid: messageSid, status, errorCode });
	return (await res.json()) as TwilioWebhook;
}

/** Like `statusCallback`, and the fake also POSTs it to the StatusCallback URL (e.g. a `wrangler dev` Worker). */
export async function deliverStatusCallback(
	account: TwilioAccount,
	messageSid: string,
	status: string,
	errorCode?: number,
): Promise<TwilioWebhook & { response: { status: number; body: string } }> {
	const res = await control(account, "deliver-callback", { sid: messageSid, status, errorCode });
	return (await res.json()) as TwilioWebhook & { response: { status: number; body: string } };
}

/** The incoming-message webhook Twilio would send to `url` when `from` texts the account's number `to`. */
export async function inboundMessage(
	account: TwilioAccount,
	message: { from: string; to: string; body: string; url: string },
): Promise<TwilioWebhook & { messageSid: string }> {
	const res = await control(account, "inbound", { ...message, authToken: account.authToken });
	return (await res.json()) as TwilioWebhook & { messageSid: string };
}

/** Builds the Request Twilio would make for a webhook, e.g. to pass to `exports.default.fetch`. */
export function webhookRequest(webhook: TwilioWebhook): Request {
	return new Request(webhook.url, { method: "POST", headers: webhook.headers, body: webhook.body });
}

async function control(account: TwilioAccount, action: string, json: unknown, method = "POST"): Promise<Response> {
	const res = await fetch(`${account.apiBase}/__fake/accounts/${account.accountSid}/${action}`, {
		method,
		headers: json === undefined ? undefined : { "content-type": "application/json" },
		body: json === undefined ? undefined : JSON.stringify(json),
	});
	if (!res.ok) throw new Error(`fake Twilio ${action}: ${res.status} ${await res.text()}`);
	return res;
}

function randomHex(bytes: number): string {
	return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
