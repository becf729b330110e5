import type { MiddlewareHandler } from "hono";
import { config } from "../config";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { hashApiKey } from "./api-keys";
import { findWorkspaceIdByKey } from "./queries";

function bearerToken(header: string | undefined): string | null {
	const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
	return match?.[1] ?? null;
}

/** Admin routes (creating workspaces) take `Authorization: Bearer <ADMIN_TOKEN>`. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
	return async function requireAdmin(c, next) {
		const expected = config(c.env).adminToken;
		if (!expected) {
			throw new ApiError(
				"not_configured",
				"ADMIN_TOKEN is not set on this deployment (wrangler secret put ADMIN_TOKEN).",
			);
		}
		const token = bearerToken(c.req.header("authorization"));
		if (!token) throw new ApiError("unauthorized", "Send the admin token as Authorization: Bearer <token>.");
		if (!(await sameSecret(token, expected))) throw new ApiError("unauthorized", "The admin token is not valid.");
		await next();
	};
}

/** Workspace routes take `Authorization: Bearer <api key>`; the key decides the workspace. */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
	return async function requireApiKey(c, next) {
		const key = bearerToken(c.req.header("authorization"));
		if (!key) throw new ApiError("unauthorized", "Send your API key as Authorization: Bearer <key>.");
		const workspaceId = await findWorkspaceIdByKey(c.env.DB, await hashApiKey(key));
		if (!workspaceId) throw new ApiError("unauthorized", "The API key is not valid or was revoked.");
		c.set("workspaceId", workspaceId);
		await next();
	};
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
