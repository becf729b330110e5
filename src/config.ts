// The deployment's settings, parsed from the environment (wrangler.toml [vars] and secrets) in this one place.
// Every feature reads `config(env)`; none reads a raw variable. Parsed once per env object, which in a Worker means
// once per isolate; tests that pass an env of their own get it parsed on its own.

export const TWILIO_STATUS_PATH = "/api/v1/webhooks/twilio/status";
export const TWILIO_INBOUND_PATH = "/api/v1/webhooks/twilio/inbound";

export const MIN_CODE_LENGTH = 6;
export const MAX_CODE_LENGTH = 32;
const DEFAULT_CODE_LENGTH = 7;
const DEFAULT_RETENTION_DAYS = 90;
const DEFAULT_PIXEL_MAX_VALUE = 100_000;
const DEFAULT_PIXEL_ORDERS_PER_CONTACT_HOUR = 3;
const DEFAULT_PIXEL_ORDERS_PER_WORKSPACE_HOUR = 1_000;
const DEFAULT_TWILIO_TIMEOUT_MS = 10_000;
const DEFAULT_API_RATE_LIMIT = 600;
/** A shorter ADMIN_TOKEN is refused (503): the admin endpoints mint workspaces, whose keys can send SMS. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/** How this deployment sends SMS. */
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

export interface Config {
	/** PUBLIC_URL without a trailing slash, or null when it is not set to an http(s) origin. */
	publicUrl: string | null;
	/** CODE_LENGTH: out-of-range or junk values fall back to 7. */
	codeLength: number;
	/** RAW_CLICK_RETENTION_DAYS: days to keep each click's raw user agent and referer (90 by default). */
	rawClickRetentionDays: number;
	/**
	 * PIXEL_MAX_VALUE: the largest order value the unsigned pixel accepts, in major units of a currency with two
	 * decimals (USD, EUR); every other currency gets the same number of minor units (see pixelMaxMinor).
	 */
	pixelMaxValue: number;
	/** PIXEL_MAX_VALUES: per-currency bounds in that currency's major units, e.g. "VND=2500000000,IDR=1500000000". */
	pixelMaxValues: ReadonlyMap<string, number>;
	/** PIXEL_ORDERS_PER_CONTACT_HOUR, PIXEL_ORDERS_PER_WORKSPACE_HOUR: pixel orders credited to campaigns per hour. */
	pixelCaps: { perContactHour: number; perWorkspaceHour: number };
	/** API_RATE_LIMIT: requests per API key per one-minute window (600 by default). */
	apiRateLimit: number;
	/** SMS_PROVIDER and the Twilio settings, or the list of what is missing: nothing is sent until it is complete. */
	sms: { ok: true; settings: SmsSettings } | { ok: false; problems: string[] };
	/** WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_HOSTS: what webhook endpoint URLs may be ("true" to allow). */
	webhookEndpoints: { allowHttp: boolean; allowPrivate: boolean };
	/** Secrets; null when unset. */
	adminToken: string | null;
	sessionSecret: string | null;
	twilioAuthToken: string | null;
	/** SUPPRESSION_SECRET: keys the hash of an erased opted-out phone (src/consent/suppression.ts); null when unset. */
	suppressionSecret: string | null;
}

const parsed = new WeakMap<Env, Config>();

export function config(env: Env): Config {
	let found = parsed.get(env);
	if (!found) {
		found = parseConfig(env);
		parsed.set(env, found);
	}
	return found;
}

/** The origin Tapline is reached at from outside: PUBLIC_URL, else the origin of the request (local development). */
export function publicOrigin(env: Env, requestUrl: string): string {
	return config(env).publicUrl ?? new URL(requestUrl).origin;
}

export function parseConfig(env: Env): Config {
	const publicUrl = parsePublicUrl(env.PUBLIC_URL);
	return {
		publicUrl,
		codeLength: integerIn(env.CODE_LENGTH, MIN_CODE_LENGTH, MAX_CODE_LENGTH) ?? DEFAULT_CODE_LENGTH,
		rawClickRetentionDays:
			integerIn(env.RAW_CLICK_RETENTION_DAYS, 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_RETENTION_DAYS,
		pixelMaxValue: positive(env.PIXEL_MAX_VALUE) ?? DEFAULT_PIXEL_MAX_VALUE,
		pixelMaxValues: parseCurrencyBounds(env.PIXEL_MAX_VALUES),
		pixelCaps: {
			perContactHour:
				integerIn(env.PIXEL_ORDERS_PER_CONTACT_HOUR, 0, 1_000_000) ?? DEFAULT_PIXEL_ORDERS_PER_CONTACT_HOUR,
			perWorkspaceHour:
				integerIn(env.PIXEL_ORDERS_PER_WORKSPACE_HOUR, 0, 100_000_000) ?? DEFAULT_PIXEL_ORDERS_PER_WORKSPACE_HOUR,
		},
		apiRateLimit: integerIn(env.API_RATE_LIMIT, 1, 1_000_000) ?? DEFAULT_API_RATE_LIMIT,
		sms: parseSms(env, publicUrl),
		webhookEndpoints: {
			allowHttp: flag(env.WEBHOOK_ALLOW_HTTP),
			allowPrivate: flag(env.WEBHOOK_ALLOW_PRIVATE_HOSTS),
		},
		adminToken: env.ADMIN_TOKEN || null,
		sessionSecret: env.SESSION_SECRET || null,
		twilioAuthToken: env.TWILIO_AUTH_TOKEN?.trim() || null,
		suppressionSecret: env.SUPPRESSION_SECRET?.trim() || null,
	};
}

function parseSms(env: Env, publicUrl: string | null): Config["sms"] {
	const provider = (env.SMS_PROVIDER || "outbox").trim();
	if (provider === "outbox") return { ok: true, settings: { provider: "outbox" } };
	if (provider !== "twilio")
		return { ok: false, problems: [`SMS_PROVIDER must be "twilio" or "outbox", not "${provider}"`] };

	const problems: string[] = [];
	const accountSid = env.TWILIO_ACCOUNT_SID?.trim() ?? "";
	const authToken = env.TWILIO_AUTH_TOKEN?.trim() ?? "";
	const from = env.TWILIO_FROM?.trim() || null;
	const messagingServiceSid = env.TWILIO_MESSAGING_SERVICE_SID?.trim() || null;
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
			// Between 0.1 and 30 s.
			timeoutMs: numberIn(env.TWILIO_TIMEOUT_MS, 100, 30_000) ?? DEFAULT_TWILIO_TIMEOUT_MS,
		},
	};
}

// "JPY=15000000, VND=2500000000": a code of three letters and a positive number per entry; bad entries are skipped.
function parseCurrencyBounds(raw: string | undefined): ReadonlyMap<string, number> {
	const bounds = new Map<string, number>();
	for (const entry of (raw ?? "").split(",")) {
		const [code = "", value = ""] = entry.split("=").map((part) => part.trim());
		const bound = positive(value);
		if (/^[A-Za-z]{3}$/.test(code) && bound !== null) bounds.set(code.toUpperCase(), bound);
	}
	return bounds;
}

function parsePublicUrl(raw: string | undefined): string | null {
	const value = raw?.trim();
	if (!value) return null;
	try {
		const url = new URL(value);
		return url.protocol === "https:" || url.protocol === "http:" ? value.replace(/\/+$/, "") : null;
	} catch {
		return null;
	}
}

function integerIn(setting: string | undefined, min: number, max: number): number | null {
	const n = numberIn(setting, min, max);
	return n !== null && Number.isInteger(n) ? n : null;
}

function numberIn(setting: string | undefined, min: number, max: number): number | null {
	if (setting === undefined || setting.trim() === "") return null;
	const n = Number(setting);
	return Number.isFinite(n) && n >= min && n <= max ? n : null;
}

function positive(setting: string | undefined): number | null {
	return numberIn(setting, Number.MIN_VALUE, Number.MAX_VALUE);
}

/** A yes/no setting: only "true" (or "1") turns it on, so a typo leaves the safe default. */
function flag(setting: string | undefined): boolean {
	const value = setting?.trim().toLowerCase();
	return value === "true" || value === "1";
}
