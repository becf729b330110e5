import { ApiError } from "./errors";

// What an API key may do. `full` is everything, `read` every GET; the others are one job each, for a key that lives
// on a server doing only that job (a shop's backend reporting orders, a job minting links or sending a campaign).
export const SCOPES = ["full", "read", "conversions:write", "links:write", "messages:send"] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
	full: "Everything, including managing keys and the workspace's settings.",
	read: "Every GET: campaigns, links, stats, messages, exports.",
	"conversions:write": "Report purchases (POST /api/v1/conversions): what a shop's server needs.",
	"links:write": "Mint short links for a campaign's recipients.",
	"messages:send": "Send a campaign as SMS.",
};

/**
 * The scope a route needs when its declaration names none: reading is `read`, anything else `full`. A route someone
 * adds without thinking about scopes is therefore closed to every narrow key.
 */
export function defaultScope(method: string): Scope {
	const m = method.toLowerCase();
	return m === "get" || m === "head" ? "read" : "full";
}

/** Whether a key holding `held` may call a route that needs `needed`: `full` covers everything. */
export function grants(held: readonly Scope[], needed: Scope): boolean {
	return held.includes("full") || held.includes(needed);
}

/** 403 naming the scope the key lacks, in the message and the details. */
export function assertScope(held: readonly Scope[], needed: Scope): void {
	if (grants(held, needed)) return;
	throw new ApiError(
		"forbidden",
		`This API key lacks the "${needed}" scope that this endpoint needs (it has: ${held.join(", ") || "none"}).`,
		[{ path: "scope", message: `requires ${needed}` }],
	);
}

/** The scopes stored with a key (a JSON array); anything unreadable grants nothing. */
export function parseScopes(stored: string): Scope[] {
	try {
		const value: unknown = JSON.parse(stored);
		return Array.isArray(value) ? value.filter((s): s is Scope => (SCOPES as readonly unknown[]).includes(s)) : [];
	} catch {
		return [];
	}
}
