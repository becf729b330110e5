import { buildLinkDestination } from "../campaigns/destination";
import { findRedirectTarget } from "../links/queries";

/** A live link as the redirect uses it: the destination with its UTM parameters already applied. */
export interface CachedLink {
	code: string;
	workspaceId: string;
	campaignId: string;
	contactId: string;
	variant: string | null;
	destination: string;
}

// Per-isolate cache in front of D1. Chosen over the Cache API because a Map lookup costs nanoseconds while a
// Cache API match is a subrequest; both would need the same TTL-based invalidation, since neither can be purged
// across every colo and isolate. A changed or deleted link is evicted at once in the isolate that made the change
// and expires within HIT_TTL_MS everywhere else. Misses are cached too, so a scanner hammering random codes does
// not turn into one D1 query per request.
const MAX_ENTRIES = 20_000;
const HIT_TTL_MS = 60_000;
const MISS_TTL_MS = 30_000;

interface Entry {
	link: Promise<CachedLink | null>;
	expiresAt: number;
}

const entries = new Map<string, Entry>();

export function lookupLink(d1: D1Database, code: string, now: number): Promise<CachedLink | null> {
	const hit = entries.get(code);
	if (hit && hit.expiresAt > now) return hit.link;

	// Caching the promise lets concurrent taps on one code (a preview bot and the person) share one query.
	const link = loadLink(d1, code);
	const entry: Entry = { link, expiresAt: now + HIT_TTL_MS };
	if (entries.size >= MAX_ENTRIES) evictOldest();
	entries.delete(code);
	entries.set(code, entry);
	link.then(
		(found) => {
			if (!found) entry.expiresAt = now + MISS_TTL_MS;
		},
		() => {
			if (entries.get(code) === entry) entries.delete(code);
		},
	);
	return link;
}

export function evictRedirectTarget(code: string): void {
	entries.delete(code);
}

/** Empties the cache; for tests that change links behind the cache's back. */
export function clearLinkCache(): void {
	entries.clear();
}

async function loadLink(d1: D1Database, code: string): Promise<CachedLink | null> {
	const target = await findRedirectTarget(d1, code);
	if (!target) return null;
	const { destinationUrl, utm, ...ids } = target;
	return { ...ids, destination: buildLinkDestination(destinationUrl, utm, target.variant) };
}

function evictOldest(): void {
	// Maps iterate in insertion order, so the first keys are the oldest entries.
	let drop = Math.ceil(MAX_ENTRIES / 10);
	for (const key of entries.keys()) {
		entries.delete(key);
		if (--drop === 0) break;
	}
}
