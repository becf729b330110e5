import { Hono } from "hono";
import { type CachedLink, lookupLink } from "../cache/link-cache";
import { prefetchHints } from "../clicks/classify";
import { newClickId, queueTap } from "../clicks/send";
import { describeTap } from "../clicks/tap-event";
import type { AppEnv } from "../http/app-env";
import { looksLikeCode } from "../links/codes";
import { loadLink } from "./load-link";
import { declinedPrefetch, notFoundPage, unavailablePage } from "./responses";

export const redirectRoutes = new Hono<AppEnv>();

// The hot path. The query string of the short link is ignored: nothing a tapper adds can change the destination.
// GET also answers HEAD (Hono drops the body); the consumer records HEAD as a non-human tap.
redirectRoutes.get("/:code", async (c) => {
	const code = c.req.param("code");
	const now = Date.now();
	let link: CachedLink | null = null;
	try {
		link = looksLikeCode(code) ? await lookupLink(code, now, (missed) => loadLink(c.env.DB, missed)) : null;
	} catch (err) {
		console.error(JSON.stringify({ msg: "link lookup failed", error: String(err) }));
		return unavailablePage();
	}
	if (!link) return notFoundPage();

	const clickId = newClickId();
	const prefetch = prefetchHints((name) => c.req.raw.headers.get(name));
	// Logged after the response, packed with the isolate's other taps: a slow or failing queue never delays or
	// breaks the redirect.
	const logging = queueTap(c.env.EVENTS, describeTap(c.req.raw, link, clickId, now, prefetch));
	if (logging !== null) c.executionCtx.waitUntil(logging);
	// A browser would serve a prefetched redirect again when the person taps, and the real tap would never reach
	// us; prefetches get a no-store error instead, which browsers discard, and the tap comes through later.
	if (prefetch) return declinedPrefetch();
	return new Response(null, {
		status: 302,
		headers: {
			location: `${link.slots.before}${clickId}${link.slots.after}`,
			"cache-control": "private, no-store",
			"x-robots-tag": "noindex",
		},
	});
});
