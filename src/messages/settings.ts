/** How this deployment sends SMS, read from vars and secrets once per request or batch. */
export type SmsSettings =
	| { provider: "outbox" }
	| {
			provider: "twilio";
			accountSid: string;
			authToken: string;
			/** Exactly one of from / messagingServiceSid is set. */
			from: string | null;
			messagingServiceSid: string | null;
			apiBase: string;
			/** Where Twilio posts delivery receipts: PUBLIC_URL + /api/v1/webhooks/twilio/status. */
			statusCallbackUrl: string;
			timeoutMs: number;
	  };

export const TWILIO_STATUS_PATH = "/api/v1/webhooks/twilio/status";
export const TWILIO_INBOUND_PATH = "/api/v1/webhooks/twilio/inbound";

/** The settings, or the list of what is missing. Nothing is sent while the configuration is incomplete. */
export function smsSettings(env: Env): { ok: true; settings: SmsSettings } | { ok: false; problems: string[] } {
	const provider = (env.SMS_PROVIDER || "outbox").trim();
	if (provider === "outbox") return { ok: true, settings: { provider: "outbox" } };
	if (provider !== "twilio")
		return { ok: false, problems: [`SMS_PROVIDER must be "twilio" or "outbox", not "${provider}"`] };

	const problems: string[] = [];
	const accountSid = env.TWILIO_ACCOUNT_SID?.trim() ?? "";
	const authToken = env.TWILIO_AUTH_TOKEN?.trim() ?? "";
	const from = env.TWILIO_FROM?.trim() || null;
	const messagingServiceSid = env.TWILIO_MESSAGING_SERVICE_SID?.trim() || null;
	const publicUrl = publicUrlOf(env);
	if (!accountSid) problems.push("TWILIO_ACCOUNT_SID is not set (wrangler secret put TWILIO_ACCOUNT_SID)");
	if (!authToken) problems.push("TWILIO_AUTH_TOKEN is not set (wrangler secret put TWILIO_AUTH_TOKEN)");
	if (!from && !messagingServiceSid) problems.push("set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID");
	if (!publicUrl) problems.push("PUBLIC_URL is not set: Twilio needs it to post delivery receipts");
	if (problems.length > 0 || !publicUrl) return { ok: false, problems };
	return {
		ok: true,
		settings: {
			provider: "twilio",
			accountSid,
			authToken,
			from: messagingServiceSid ? null : from,
			messagingServiceSid,
			apiBase: (env.TWILIO_API_BASE || "https://api.twilio.com").replace(/\/+$/, ""),
			statusCallbackUrl: `${publicUrl}${TWILIO_STATUS_PATH}`,
			timeoutMs: timeoutMs(env.TWILIO_TIMEOUT_MS),
		},
	};
}

// 10 s by default; between 0.1 and 30 s.
function timeoutMs(setting: string | undefined): number {
	const n = Number(setting);
	return Number.isFinite(n) && n >= 100 && n <= 30_000 ? n : 10_000;
}

/** PUBLIC_URL without a trailing slash, or null when it is not set to an http(s) origin. */
export function publicUrlOf(env: Env): string | null {
	const raw = env.PUBLIC_URL?.trim();
	if (!raw) return null;
	try {
		const url = new URL(raw);
		return url.protocol === "https:" || url.protocol === "http:" ? raw.replace(/\/+$/, "") : null;
	} catch {
		return null;
	}
}
