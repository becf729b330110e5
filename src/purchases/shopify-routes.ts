import { Hono } from "hono";
import { z } from "zod";
import { publicOrigin } from "../config";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { findShopifyIntegration, saveShopifyIntegration } from "./integration-queries";
import { sendPurchase } from "./send";
import { readShopifyOrder, verifyShopifyHmac } from "./shopify";

export const ShopifyIntegration = z.strictObject({
	secret: z.string().trim().min(8).max(256),
	shopDomain: z
		.string()
		.trim()
		.toLowerCase()
		.regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be the shop's myshopify.com domain, e.g. acme.myshopify.com"),
});

/** Routes under /api/v1/integrations (API key). */
export const integrationRoutes = new Hono<AppEnv>();

integrationRoutes.put("/shopify", limitBody(4 * 1024), async (c) => {
	const integration = await readJson(c, ShopifyIntegration);
	const workspaceId = c.get("workspaceId");
	if (!(await saveShopifyIntegration(c.env.DB, workspaceId, integration, Date.now()))) {
		throw new ApiError("conflict", "Another workspace already uses this secret; each shop needs its own.");
	}
	const origin = publicOrigin(c.env, c.req.url);
	return c.json({
		integration: {
			provider: "shopify",
			shopDomain: integration.shopDomain,
			webhookUrl: `${origin}/api/v1/webhooks/shopify/${workspaceId}/orders`,
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
	const integration = await findShopifyIntegration(c.env.DB, workspaceId);
	const body = await c.req.arrayBuffer();
	// A workspace without a secret answers like a bad signature: nothing tells a prober which workspaces exist. The
	// shop domain is checked too (it is not signed, but a shared app secret then still cannot cross workspaces).
	const shop = c.req.header("x-shopify-shop-domain")?.toLowerCase();
	if (
		!integration ||
		!(await verifyShopifyHmac(integration.secret, body, hmac)) ||
		(integration.shopDomain !== "" && shop !== integration.shopDomain)
	) {
		throw new ApiError("unauthorized", "The webhook signature does not match.");
	}
	const topic = c.req.header("x-shopify-topic") ?? "orders/create";
	if (!ORDER_TOPICS.has(topic)) return c.json({ ignored: true, topic });

	// A signed delivery is always answered 200: Shopify retries anything else and may end the subscription.
	let order: unknown;
	try {
		order = JSON.parse(new TextDecoder().decode(body));
	} catch {
		console.error(JSON.stringify({ msg: "Shopify webhook body is not JSON", workspaceId }));
		return c.json({ ignored: true, reason: "body is not JSON" });
	}
	if (isTestOrCancelled(order)) return c.json({ ignored: true, reason: "test or cancelled order" });
	const purchase = readShopifyOrder(order);
	if (!purchase) {
		console.error(JSON.stringify({ msg: "unusable Shopify order", workspaceId }));
		return c.json({ ignored: true, reason: "no usable id, total_price or currency" });
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

function isTestOrCancelled(order: unknown): boolean {
	const o = (typeof order === "object" && order !== null ? order : {}) as { test?: unknown; cancelled_at?: unknown };
	return o.test === true || (typeof o.cancelled_at === "string" && o.cancelled_at !== "");
}
