// The redirect's per-isolate cache of live links. It sits below every feature (it imports none), so that the
// writers that must evict from it (a link deleted, a campaign changed, a contact erased) and the redirect that reads
// it never import each other; the redirect passes the loader that reads a link from D1.

/** A live link as the redirect uses it: the destination with its UTM parameters already applied. */
export interface CachedLink {
	code: string;
	workspaceId: string;
	campaignId: string;
	contactId: string;
	variant: string | null;
	destination: string;
	/** The destination split around its click id, so that a tap costs one concatenation (see clickIdSlots). */
	slots: { before: string; after: string };
}

// Per-isolate cache in front of D1. Chosen over the Cache API because a Map lookup costs nanoseconds while a
// Cache API match is a subrequest; both would need the same TTL-based invalidation, since neither can be purged
// across every colo and isolate. A deleted link is evicted at once in the isolate that deleted it and expires
// within HIT_TTL_MS everywhere else (the aggregator does not count taps made on it after its deletion).
//
// Hits and misses live in separate maps so that a scanner trying random codes can only churn the small miss map,
// never push live links out. Hits are bounded by count and by the characters of their destinations, since a
// destination with long UTM values can run to kilobytes and an isolate has 128 MB.
const HIT_TTL_MS = 60_000;
// Entries expire 45–60 s after loading, not all at 60: links loaded together (a campaign's first minute) would
// otherwise all go back to D1 in the same instant.
const HIT_TTL_JITTER_MS = 15_000;
const MISS_TTL_MS = 10_000;
const MAX_HITS = 20_000;
const MAX_HIT_CHARS = 8_000_000;
const MAX_MISSES = 5_000;

interface Entry {
	link: Promise<CachedLink | null>;
	expiresAt: number;
	chars: number;
	/** Known once the lookup has finished. */
	campaignId?: string;
}

const hits = new Map<string, Entry>();
const misses = new Map<string, number>();
let hitChars = 0;

/** Reads a live link from the database; null when there is none. */
export type LinkLoader = (d1: D1Database, code: string) => Promise<CachedLink | null>;

/**
 * The live link of `code`, from the cache or else through `load`. The loader and its database are passed apart (not
 * as one closure) so that a tap, hit or miss, allocates nothing to look a link up.
 */
export function lookupLink(code: string, now: number, d1: D1Database, load: LinkLoader): Promise<CachedLink | null> {
	const hit = hits.get(code);
	if (hit && hit.expiresAt > now) return hit.link;
	const missUntil = misses.get(code);
	if (missUntil !== undefined && missUntil > now) return Promise.resolve(null);

	// Caching the promise lets concurrent taps on one code (a preview bot and the person) share one query.
	const link = load(d1, code);
	const entry: Entry = { link, expiresAt: now + HIT_TTL_MS - Math.random() * HIT_TTL_JITTER_MS, chars: 0 };
	remember(code, entry);
	link.then(
		(found) => {
			if (hits.get(code) !== entry) return;
			if (found) {
				entry.campaignId = found.campaignId;
				entry.chars = found.destination.length + found.slots.before.length + found.slots.after.length;
				hitChars += entry.chars;
				trim();
			} else {
				forget(code);
				misses.delete(code);
				if (misses.size >= MAX_MISSES) dropOldest(misses, MAX_MISSES / 10);
				misses.set(code, now + MISS_TTL_MS);
			}
		},
		() => {
			if (hits.get(code) === entry) forget(code);
		},
	);
	return link;
}

export function evictLink(code: string): void {
	forget(code);
	misses.delete(code);
}

/** Drops the cached links of a campaign whose destination or UTM values changed (and lookups still in flight). */
export function evictCampaignLinks(campaignId: string): void {
	for (const [code, entry] of hits) {
		if (entry.campaignId === undefined || entry.campaignId === campaignId) forget(code);
	}
}

/** Empties the cache; for tests that change links behind the cache's back. */
export function clearLinkCache(): void {
	hits.clear();
	misses.clear();
	hitChars = 0;
}

function remember(code: string, entry: Entry): void {
	forget(code);
	hits.set(code, entry);
	trim();
}

function forget(code: string): void {
	const entry = hits.get(code);
	if (!entry) return;
	hitChars -= entry.chars;
	hits.delete(code);
}

// Maps iterate in insertion order, so the first keys are the oldest entries.
function trim(): void {
	for (const code of hits.keys()) {
		if (hits.size <= MAX_HITS && hitChars <= MAX_HIT_CHARS) return;
		forget(code);
	}
}

function dropOldest(map: Map<string, unknown>, count: number): void {
	for (const key of map.keys()) {
		if (count-- <= 0) return;
		map.delete(key);
	}
}
