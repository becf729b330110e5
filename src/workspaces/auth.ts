import type { Context, MiddlewareHandler } from "hono";
import { config, MIN_ADMIN_TOKEN_LENGTH } from "../config";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { hashApiKey } from "./api-keys";
import { countKeyRequest } from "./key-queries";

const WINDOW_MS = 60_000;

function bearerToken(header: string | undefined): string | null {
	const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
	return match?.[1] ?? null;
}

/** Admin routes (creating workspaces) take `Authorization: Bearer <ADMIN_TOKEN>`, of 32 characters or more. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
	return async function requireAdmin(c, next) {
		const expected = config(c.env).adminToken;
		if (!expected) {
			throw new ApiError(
				"not_configured",
				"ADMIN_TOKEN is not set on this deployment (wrangler secret put ADMIN_TOKEN).",
			);
		}
		// A short token can be guessed online; the admin endpoints mint workspaces whose keys send SMS.
		if (expected.length < MIN_ADMIN_TOKEN_LENGTH) {
			throw new ApiError(
				"not_configured",
				`ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters, so the admin endpoints are off: set a longer one (openssl rand -hex 32 | npx wrangler secret put ADMIN_TOKEN).`,
				[
					{
						path: "ADMIN_TOKEN",
						message: `has ${expected.length} characters; at least ${MIN_ADMIN_TOKEN_LENGTH} are needed`,
					},
				],
			);
		}
		const token = bearerToken(c.req.header("authorization"));
		if (!token) throw new ApiError("unauthorized", "Send the admin token as Authorization: Bearer <token>.");
		if (!(await sameSecret(token, expected))) throw new ApiError("unauthorized", "The admin token is not valid.");
		await next();
	};
}

/**
 * Workspace routes take `Authorization: Bearer <api key>`; the key decides the workspace and its scopes, and each
 * request counts against the key's rate limit (a fixed one-minute window in D1, docs/adr/0010). The IETF draft's
 * `RateLimit-Policy` and `RateLimit` headers go on every answer to a valid key; over the limit it is 429 with
 * `Retry-After`.
 */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
	return async function requireApiKey(c, next) {
		const token = bearerToken(c.req.header("authorization"));
		if (!token) throw new ApiError("unauthorized", "Send your API key as Authorization: Bearer <key>.");
		const now = Date.now();
		const window = Math.floor(now / WINDOW_MS);
		const key = await countKeyRequest(c.env.DB, await hashApiKey(token), window, now);
		if (!key) throw new ApiError("unauthorized", "The API key is not valid or was revoked.");
		const limit = config(c.env).apiRateLimit;
		const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
		setRateLimitHeaders(c, limit, Math.max(0, limit - key.rateCount), resetSeconds);
		if (key.rateCount > limit) {
			c.header("retry-after", String(resetSeconds));
			throw new ApiError(
				"rate_limited",
				`This API key made more than ${limit} requests this minute; try again in ${resetSeconds} s.`,
			);
		}
		c.set("workspaceId", key.workspaceId);
		c.set("apiKeyId", key.id);
		c.set("scopes", key.scopes);
		await next();
	};
}

/** draft-ietf-httpapi-ratelimit-headers (structured fields): the policy (quota q per w seconds), then what is left. */
function setRateLimitHeaders(c: Context<AppEnv>, limit: number, remaining: number, resetSeconds: number): void {
	c.header("ratelimit-policy", `"per-key";q=${limit};w=${WINDOW_MS / 1000}`);
	c.header("ratelimit", `"per-key";r=${remaining};t=${resetSeconds}`);
}

/** Constant-time comparison: hash both sides to equal length, then timingSafeEqual. */
async function sameSecret(a: string, b: string): Promise<boolean> {
	const encoder = new TextEncoder();
	const [ha, hb] = await Promise.all([
		crypto.subtle.digest("SHA-256", encoder.encode(a)),
		crypto.subtle.digest("SHA-256", encoder.encode(b)),
	]);
	return crypto.subtle.timingSafeEqual(ha, hb);
}
