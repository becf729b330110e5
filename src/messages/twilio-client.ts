/** What became of one attempt to hand an SMS to the provider. */
export type SendOutcome =
	/** The provider took it; its id links later delivery receipts to the message. */
	| { kind: "accepted"; providerMessageId: string; providerStatus: string }
	/** Too fast (HTTP 429, Twilio 20429) or the sender's queue is full (21611): nothing was sent, try later. */
	| { kind: "throttled"; code: string; message: string }
	/** The account or sender is wrong (bad credentials, a From or Messaging Service Twilio refuses): nothing was
	 * sent, and nothing will be until the configuration is fixed, so the message waits instead of failing. */
	| { kind: "misconfigured"; code: string; message: string }
	/** The recipient has unsubscribed from the sender (Twilio 21610): record the opt-out, never retry. */
	| { kind: "unsubscribed"; code: string; message: string }
	/** The provider refused the message (any other 4xx): it failed, with the provider's code. */
	| { kind: "rejected"; code: string; message: string }
	/** No answer, or a 5xx after the request went out: it may or may not have been sent, so it is not sent again. */
	| { kind: "unknown"; code: string; message: string };

export interface TwilioAccount {
	accountSid: string;
	authToken: string;
	apiBase: string;
	from: string | null;
	messagingServiceSid: string | null;
	/** How long to wait for Twilio's answer before the send counts as unknown. */
	timeoutMs?: number;
}

export interface TwilioSms {
	to: string;
	body: string;
	statusCallback: string;
	/** ValidityPeriod: seconds Twilio may keep the message queued before giving up (1–36000). */
	validitySeconds?: number;
}

// Twilio error codes that say the account or sender is wrong, not the message (twilio.com/docs/errors/<code>).
const CONFIGURATION_CODES = new Set(["20003", "20005", "21212", "21606", "21659", "21701", "21703", "21704", "21705"]);

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Creates a Message through Twilio's REST API, as its docs define it: a form-encoded POST to
 * /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth (Account SID and auth token).
 */
export async function sendTwilioMessage(account: TwilioAccount, sms: TwilioSms): Promise<SendOutcome> {
	const form = new URLSearchParams({ To: sms.to, Body: sms.body, StatusCallback: sms.statusCallback });
	if (account.messagingServiceSid) form.set("MessagingServiceSid", account.messagingServiceSid);
	else if (account.from) form.set("From", account.from);
	if (sms.validitySeconds !== undefined) {
		form.set("ValidityPeriod", String(Math.max(1, Math.min(36_000, Math.floor(sms.validitySeconds)))));
	}

	let response: Response;
	try {
		response = await fetch(
			`${account.apiBase}/2010-04-01/Accounts/${encodeURIComponent(account.accountSid)}/Messages.json`,
			{
				method: "POST",
				headers: {
					authorization: `Basic ${btoa(`${account.accountSid}:${account.authToken}`)}`,
					"content-type": "application/x-www-form-urlencoded",
					accept: "application/json",
				},
				body: form.toString(),
				signal: AbortSignal.timeout(account.timeoutMs ?? DEFAULT_TIMEOUT_MS),
			},
		);
	} catch (err) {
		// A timeout or a dropped connection cannot tell whether Twilio created the message.
		const timedOut = err instanceof Error && err.name === "TimeoutError";
		return { kind: "unknown", code: timedOut ? "timeout" : "network", message: String(err) };
	}

	const body = await readJson(response);
	if (response.status === 200 || response.status === 201) {
		const sid = typeof body?.sid === "string" ? body.sid : null;
		if (!sid) return { kind: "unknown", code: "no_sid", message: "Twilio answered without a message sid" };
		return { kind: "accepted", providerMessageId: sid, providerStatus: String(body?.status ?? "queued") };
	}
	const code = body?.code == null ? `http_${response.status}` : String(body.code);
	const message = typeof body?.message === "string" ? body.message : `HTTP ${response.status}`;
	if (response.status === 429 || code === "20429" || code === "21611") return { kind: "throttled", code, message };
	if (response.status === 401 || response.status === 403 || CONFIGURATION_CODES.has(code)) {
		return { kind: "misconfigured", code, message };
	}
	if (code === "21610") return { kind: "unsubscribed", code, message };
	if (response.status >= 400 && response.status < 500) return { kind: "rejected", code, message };
	return { kind: "unknown", code, message };
}

async function readJson(response: Response): Promise<Record<string, unknown> | null> {
	try {
		const value: unknown = await response.json();
		return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
	} catch {
		return null;
	}
}
