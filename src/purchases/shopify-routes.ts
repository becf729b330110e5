import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { findShopifySecret, saveShopifySecret } from "./integration-queries";
import { sendPurchase } from "./send";
import { readShopifyOrder, verifyShopifyHmac } from "./shopify";

const ShopifySecret = z.strictObject({ secret: z.string().trim().min(8).max(256) });

/** Routes under /api/v1/integrations (API key). */
export const integrationRoutes = new Hono<AppEnv>();

integrationRoutes.put("/shopify", limitBody(4 * 1024), async (c) => {
	const { secret } = await readJson(c, ShopifySecret);
	const workspaceId = c.get("workspaceId");
	await saveShopifySecret(c.env.DB, workspaceId, secret, Date.now());
	const origin = c.env.PUBLIC_URL || new URL(c.req.url).origin;
	return c.json({
		integration: {
			provider: "shopify",
			webhookUrl: `${origin.replace(/\/+$/, "")}/api/v1/webhooks/shopify/${workspaceId}/orders`,
			topics: ["orders/create", "orders/paid"],
		},
	});
});

const ORDER_TOPICS = new Set(["orders/create", "orders/paid"]);

/** Routes under /api/v1/webhooks/shopify (signed by Shopify, no API key). */
export const shopifyWebhookRoutes = new Hono<AppEnv>();

// Shopify retries deliveries that fail or take longer than 5 seconds: verify, queue, answer.
shopifyWebhookRoutes.post("/:workspaceId/orders", limitBody(1024 * 1024), async (c) => {
	const hmac = c.req.header("x-shopify-hmac-sha256");
	if (!hmac) throw new ApiError("unauthorized", "Missing X-Shopify-Hmac-Sha256.");
	const workspaceId = c.req.param("workspaceId");
	const secret = await findShopifySecret(c.env.DB, workspaceId);
	const body = await c.req.arrayBuffer();
	// A workspace without a secret answers like a bad signature: nothing tells a prober which workspaces exist.
	if (!secret || !(await verifyShopifyHmac(secret, body, hmac))) {
		throw new ApiError("unauthorized", "The webhook signature does not match.");
	}
	const topic = c.req.header("x-shopify-topic") ?? "orders/create";
	if (!ORDER_TOPICS.has(topic)) return c.json({ ignored: true, topic });

	let order: unknown;
	try {
		order = JSON.parse(new TextDecoder().decode(body));
	} catch {
		throw new ApiError("invalid_json", "The webhook body is not valid JSON.");
	}
	const purchase = readShopifyOrder(order);
	if (!purchase) {
		throw new ApiError("validation_failed", "The order has no usable id, total_price or currency.");
	}
	const now = Date.now();
	await sendPurchase(c.env, {
		source: "shopify",
		workspaceId,
		...purchase,
		receivedAt: now,
		contactId: null,
		externalId: null,
		webhookId: c.req.header("x-shopify-webhook-id")?.slice(0, 128) ?? null,
	});
	return c.json({ accepted: true });
});
