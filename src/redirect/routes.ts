import { z } from "zod";
import { type CachedLink, lookupLink } from "../cache/link-cache";
import { classifyUserAgent, prefetchHints } from "../clicks/classify";
import { newClickId, queueTap } from "../clicks/send";
import { describeTap } from "../clicks/tap-event";
import { apiRouter, documentRoute } from "../http/route";
import { looksLikeCode } from "../links/codes";
import { loadLink } from "./load-link";
import { declinedPrefetch, notFoundPage, unavailablePage } from "./responses";

/** GET /{code}: mount at the root, last. */
export const redirectRoutes = apiRouter();

const html = { "text/html": { schema: { type: "string" as const } } };

// Declared for the document only: nothing (no validator, no middleware) stands between the router and the handler.
const redirect = documentRoute(redirectRoutes, {
	method: "get",
	path: "/{code}",
	operationId: "redirect",
	tag: "Redirect",
	summary: "The short link: a 302 to the destination with UTM parameters, and a tlid for a person's tap",
	description: "Unknown and deleted codes get one small HTML 404 page; a browser prefetch or a database outage a 503.",
	auth: "public",
	request: { params: z.object({ code: z.string().describe("The short code.") }) },
	responses: {
		302: {
			description: "To the destination.",
			headers: {
				location: {
					description:
						"The destination; with a tlid only for a tap that may be a person's (not HEAD, a bot or a preview).",
					schema: { type: "string" },
				},
			},
		},
		404: { description: "Unknown or deleted code.", content: html },
		503: { description: "A declined prefetch, or the database is unreachable: try again." },
	},
	errors: [],
});

// `slots.before` ends in "?tlid=" or "&tlid=": cut off, it leaves the destination without a click id.
const CLICK_ID_TAIL = "?tlid=".length;

// Phones share a few user agents, so an isolate keeps each one's verdict: a tap costs a Map lookup, not the
// classifier's regular expressions. Bounded in entries and key length, so junk agents cannot grow it.
const HUMAN_AGENTS = new Map<string, boolean>();
const MAX_AGENTS = 1000;
const MAX_AGENT_LENGTH = 512;

/**
 * The Location of a tap that is not a prefetch (those get no Location). Only a tap that may be a person's carries
 * a `tlid`: a HEAD request, a bot, a link preview or a scanner gets the destination without one, so it holds no
 * click id that a purchase could be credited to (the consumer classifies every tap again with `classifyTap`, and
 * credits a purchase only to a click it stored as human). The same rules as the consumer's, so the two agree.
 */
function locationOf(request: Request, link: CachedLink, clickId: string): string {
	return mayBePerson(request)
		? `${link.slots.before}${clickId}${link.slots.after}`
		: `${link.slots.before.slice(0, -CLICK_ID_TAIL)}${link.slots.after}`;
}

function mayBePerson(request: Request): boolean {
	if (request.method === "HEAD") return false;
	const agent = request.headers.get("user-agent") ?? "";
	if (agent.length > MAX_AGENT_LENGTH) return classifyUserAgent(agent).human;
	let human = HUMAN_AGENTS.get(agent);
	if (human === undefined) {
		human = classifyUserAgent(agent).human;
		if (HUMAN_AGENTS.size >= MAX_AGENTS) HUMAN_AGENTS.clear();
		HUMAN_AGENTS.set(agent, human);
	}
	return human;
}

// The hot path. The query string of the short link is ignored: nothing a tapper adds can change the destination.
// GET also answers HEAD (Hono runs this handler and drops the body; the request keeps its HEAD method), and the
// consumer records HEAD as a non-human tap.
redirectRoutes.get(redirect, async (c) => {
	const code = c.req.param("code");
	const now = Date.now();
	let link: CachedLink | null = null;
	try {
		link = looksLikeCode(code) ? await lookupLink(code, now, c.env.DB, loadLink) : null;
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
			location: locationOf(c.req.raw, link, clickId),
			"cache-control": "private, no-store",
			"x-robots-tag": "noindex",
		},
	});
});
