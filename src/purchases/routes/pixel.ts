import { z } from "zod";
import { config } from "../../config";
import { apiRouter, documentRoute } from "../../http/route";
import { clientKey } from "../client-key";
import { isCurrency, pixelMaxMinor, toMinor } from "../money";
import { sendPurchase } from "../send";
import { SNIPPET_JS } from "../snippet";

// 1×1 transparent GIF.
const GIF = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));
const GIF_HEADERS = {
	"content-type": "image/gif",
	"cache-control": "no-store, no-cache, must-revalidate, max-age=0",
	pragma: "no-cache",
	expires: "0",
};

const WORKSPACE_ID = /^ws_[0-9A-Za-z]{16}$/;
const CLICK_ID = /^[0-9A-Za-z]{8,64}$/;
const ORDER_ID = /^[\x21-\x7e]{1,128}$/;

/** The shop's side: GET /p.gif and GET /t.js, at the root. */
export const pixelRoutes = apiRouter();

// Documented only: whatever the query, the answer is the GIF, so nothing may stand in front of the handler.
const pixel = documentRoute(pixelRoutes, {
	method: "get",
	path: "/p.gif",
	operationId: "firePixel",
	tag: "Site",
	summary: "The purchase pixel",
	description: "Always a 1×1 GIF, even for garbage; only well-formed hits within the rate limits are queued.",
	auth: "public",
	request: {
		query: z.object({
			workspace: z.string().describe("The workspace's id (ws_…)."),
			orderId: z.string().describe("The order id."),
			value: z
				.string()
				.describe(
					"The order value in major units, e.g. 49.90; at most PIXEL_MAX_VALUE × 100 minor units of the currency (100,000.00 USD, ¥10,000,000, 10,000.000 KWD by default).",
				),
			currency: z.string().describe("ISO 4217 code."),
			tlid: z.string().optional().describe("The click id kept by the snippet."),
		}),
	},
	responses: { 200: { description: "A 1×1 GIF.", content: { "image/gif": { schema: { type: "string" } } } } },
	errors: [],
});

// Always a GIF, fast, whatever the input: the shop's order page must never break. Only a well-formed hit within
// the rate limit is queued; an unknown workspace is dropped by the consumer.
pixelRoutes.get(pixel, async (c) => {
	const q = c.req.query();
	const value = Number(q.value);
	const currency = (q.currency ?? "").toUpperCase();
	const settings = config(c.env);
	const valid =
		WORKSPACE_ID.test(q.workspace ?? "") &&
		ORDER_ID.test(q.orderId ?? "") &&
		q.value !== undefined &&
		q.value.trim() !== "" &&
		Number.isFinite(value) &&
		value >= 0 &&
		isCurrency(currency) &&
		toMinor(value, currency) <= pixelMaxMinor(currency, settings.pixelMaxValue, settings.pixelMaxValues);
	if (valid) {
		const workspaceId = q.workspace as string;
		// An IPv6 client is limited by its /64: rotating addresses within it does not earn more hits.
		const client = clientKey(c.req.header("cf-connecting-ip") ?? "unknown");
		c.executionCtx.waitUntil(
			(async () => {
				try {
					const [perClient, perWorkspace] = await Promise.all([
						c.env.PIXEL_IP_RATE_LIMIT.limit({ key: client }),
						c.env.PIXEL_RATE_LIMIT.limit({ key: `${workspaceId}:${client}` }),
					]);
					if (!perClient.success || !perWorkspace.success) return;
					const now = Date.now();
					await sendPurchase(c.env, {
						source: "pixel",
						workspaceId,
						orderId: q.orderId as string,
						valueMinor: toMinor(value, currency),
						currency,
						at: now,
						receivedAt: now,
						// A malformed click id cannot name a click; the purchase is still kept, unattributed.
						tlid: q.tlid && CLICK_ID.test(q.tlid) ? q.tlid : null,
						contactId: null,
						phone: null,
						externalId: null,
						webhookId: null,
					});
				} catch (err) {
					console.error(JSON.stringify({ msg: "pixel purchase not queued", error: String(err) }));
				}
			})(),
		);
	}
	return new Response(GIF, { headers: GIF_HEADERS });
});

const snippet = documentRoute(pixelRoutes, {
	method: "get",
	path: "/t.js",
	operationId: "getSnippet",
	tag: "Site",
	summary: "The site snippet that keeps the tlid and fires the pixel",
	auth: "public",
	responses: { 200: { description: "JavaScript.", content: { "text/javascript": { schema: { type: "string" } } } } },
	errors: [],
});

pixelRoutes.get(snippet, () => {
	return new Response(SNIPPET_JS, {
		headers: {
			"content-type": "text/javascript; charset=utf-8",
			"cache-control": "public, max-age=3600",
			"access-control-allow-origin": "*",
		},
	});
});
