import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { config } from "../config";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { grants } from "../http/scopes";
import { hashApiKey } from "../workspaces/api-keys";
import { findLiveKeyByHash, findLiveKeyWorkspace } from "../workspaces/key-queries";

// The cookie holds the id of the key it signed in with and when it expires, signed; never the key or its hash: a
// stolen cookie gives no API key away. Every request looks the key id up again, so revoking the key
// (DELETE /api/v1/api-keys/{id}) ends its sessions at once.
const COOKIE = "tapline_session";
const COOKIE_OPTIONS = {
	// "__Host-": only this origin, over HTTPS (browsers count http://localhost as secure), path "/".
	prefix: "host",
	httpOnly: true,
	secure: true,
	sameSite: "Lax",
	path: "/",
} as const;
/** A session lasts a week, then the key is asked for again. */
export const SESSION_SECONDS = 7 * 24 * 3600;

function sessionSecret(c: Context<AppEnv>): string {
	const secret = config(c.env).sessionSecret;
	if (!secret || secret.length < 16) {
		throw new ApiError(
			"not_configured",
			"The dashboard needs SESSION_SECRET, at least 16 characters, to sign its cookie (wrangler secret put SESSION_SECRET).",
		);
	}
	return secret;
}

/**
 * Signs the caller in with an API key: "invalid" when it is not valid or was revoked, "scope" when it cannot read
 * (the dashboard shows everything a `read` key can see, so a narrower key, say a shop's `conversions:write`, may not).
 */
export async function startSession(
	c: Context<AppEnv>,
	apiKey: string,
	now: number,
): Promise<"ok" | "invalid" | "scope"> {
	const secret = sessionSecret(c);
	const key = await findLiveKeyByHash(c.env.DB, await hashApiKey(apiKey.trim()));
	if (!key) return "invalid";
	if (!grants(key.scopes, "read")) return "scope";
	const expires = now + SESSION_SECONDS * 1000;
	await setSignedCookie(c, COOKIE, `${key.id}:${expires}`, secret, { ...COOKIE_OPTIONS, maxAge: SESSION_SECONDS });
	return "ok";
}

export function endSession(c: Context<AppEnv>): void {
	deleteCookie(c, COOKIE, COOKIE_OPTIONS);
}

/** The workspace of a valid session, or null (no cookie, a forged or expired one, a revoked key). */
async function sessionWorkspace(c: Context<AppEnv>, now: number): Promise<string | null> {
	const value = await getSignedCookie(c, sessionSecret(c), COOKIE, "host");
	if (!value) return null;
	const [keyId, expires, extra] = value.split(":");
	if (!keyId || extra !== undefined || !(Number(expires) > now)) return null;
	return findLiveKeyWorkspace(c.env.DB, keyId);
}

/** Dashboard pages need a session; without one the browser goes to the sign-in page and comes back after. */
export function requireSession(): MiddlewareHandler<AppEnv> {
	return async function requireSession(c, next) {
		const workspaceId = await sessionWorkspace(c, Date.now());
		if (!workspaceId) {
			const back = new URL(c.req.url);
			return c.redirect(`/dashboard/sign-in?next=${encodeURIComponent(back.pathname + back.search)}`, 303);
		}
		c.set("workspaceId", workspaceId);
		await next();
	};
}

const HERE = "https://tapline.invalid";

/** Where to go after signing in: a dashboard page of this site only, dot segments resolved first. */
export function safeNext(next: string | undefined): string {
	if (!next?.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/dashboard";
	const url = new URL(next, HERE);
	if (url.origin !== HERE || !/^\/dashboard(?:\/|$)/.test(url.pathname)) return "/dashboard";
	return url.pathname + url.search;
}
