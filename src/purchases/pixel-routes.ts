import { Hono } from "hono";
import { config } from "../config";
import type { AppEnv } from "../http/app-env";
import { isCurrency, toMinor } from "./money";
import { sendPurchase } from "./send";
import { SNIPPET_JS } from "./snippet";

// 1×1 transparent GIF.
const GIF = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));
const GIF_HEADERS = {
	"content-type": "image/gif",
	"cache-control": "no-store, no-cache, must-revalidate, max-age=0",
	pragma: "no-cache",
	expires: "0",
};

/** The pixel refuses values above this: an unsigned browser request must not be able to inflate revenue freely. */
const WORKSPACE_ID = /^ws_[0-9A-Za-z]{16}$/;
const CLICK_ID = /^[0-9A-Za-z]{8,64}$/;
const ORDER_ID = /^[\x21-\x7e]{1,128}$/;

export const pixelRoutes = new Hono<AppEnv>();

// Always a GIF, fast, whatever the input: the shop's order page must never break. Only a well-formed hit within
// the rate limit is queued; an unknown workspace is dropped by the consumer.
pixelRoutes.get("/p.gif", async (c) => {
	const q = c.req.query();
	const value = Number(q.value);
	const currency = (q.currency ?? "").toUpperCase();
	const valid =
		WORKSPACE_ID.test(q.workspace ?? "") &&
		ORDER_ID.test(q.orderId ?? "") &&
		q.value !== undefined &&
		q.value.trim() !== "" &&
		Number.isFinite(value) &&
		value >= 0 &&
		value <= config(c.env).pixelMaxValue &&
		isCurrency(currency);
	if (valid) {
		const workspaceId = q.workspace as string;
		const client = c.req.header("cf-connecting-ip") ?? "unknown";
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

pixelRoutes.get("/t.js", () => {
	return new Response(SNIPPET_JS, {
		headers: {
			"content-type": "text/javascript; charset=utf-8",
			"cache-control": "public, max-age=3600",
			"access-control-allow-origin": "*",
		},
	});
});
