import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { publicOrigin } from "../../config";
import type { AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { apiRouter, declareRoute, reply } from "../../http/route";
import { jsonContent as json } from "../../http/schemas";
import { findShopifyIntegration, saveShopifyIntegration } from "../integration-queries";
import { sendPurchase } from "../send";
import { readShopifyOrder, verifyShopifyHmac } from "../shopify";

export const ShopifyIntegration = z
	.strictObject({
		secret: z.string().trim().min(8).max(256),
		shopDomain: z
			.string()
			.trim()
			.toLowerCase()
			.regex(
				/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/,
				"must be the shop's myshopify.com domain, e.g. acme.myshopify.com",
			),
	})
	.meta({ id: "ShopifyIntegrationRequest" });

const ShopifyIntegrationBody = z
	.strictObject({
		integration: z.strictObject({
			provider: z.literal("shopify"),
			shopDomain: z.string(),
			webhookUrl: z.string().describe("The URL to register in Shopify for the order webhooks."),
			topics: z.array(z.string()),
		}),
	})
	.meta({ id: "ShopifyIntegration" });

const ShopifyWebhookAnswer = z
	.union([
		z.strictObject({ accepted: z.literal(true) }),
		z.strictObject({ ignored: z.literal(true), topic: z.string() }),
		z.strictObject({ ignored: z.literal(true), reason: z.string() }),
	])
	.meta({ id: "ShopifyWebhookAnswer" });

/** Routes under /api/v1/integrations. */
export const integrationRoutes = apiRouter();

const connect = declareRoute({
	method: "put",
	path: "/shopify",
	operationId: "connectShopify",
	tag: "Purchases",
	summary: "Store the Shopify shop and its webhook signing secret",
	bodyLimit: 4 * 1024,
	request: { body: { required: true, ...json(ShopifyIntegration) } },
	responses: { 200: { description: "The webhook URL to register.", ...json(ShopifyIntegrationBody) } },
	errors: [400, 401, 409, 413, 415, 422],
});
integrationRoutes.openapi(connect, async (c) => {
	const integration = c.req.valid("json");
	const workspaceId = c.get("workspaceId");
	if (!(await saveShopifyIntegration(c.env.DB, workspaceId, integration, Date.now()))) {
		throw new ApiError("conflict", "Another workspace already uses this secret; each shop needs its own.");
	}
	const origin = publicOrigin(c.env, c.req.url);
	return reply(c, connect, 200, {
		integration: {
			provider: "shopify",
			shopDomain: integration.shopDomain,
			webhookUrl: `${origin}/api/v1/webhooks/shopify/${workspaceId}/orders`,
			topics: ["orders/create", "orders/paid"],
		},
	});
});

const ORDER_TOPICS = new Set(["orders/create", "orders/paid"]);

const signedBodies = new WeakMap<Request, ArrayBuffer>();

/**
 * Checks X-Shopify-Hmac-Sha256 over the raw body with the workspace's secret, and the shop domain. A workspace
 * without a secret answers like a bad signature: nothing tells a prober which workspaces exist. The shop domain is
 * checked too (it is not signed, but a shared app secret then still cannot cross workspaces).
 */
function verifyShopifyWebhook(): MiddlewareHandler<AppEnv> {
	return async function verifyShopifyWebhook(c, next) {
		const hmac = c.req.header("x-shopify-hmac-sha256");
		if (!hmac) throw new ApiError("unauthorized", "Missing X-Shopify-Hmac-Sha256.");
		const integration = await findShopifyIntegration(c.env.DB, c.req.param("workspaceId") ?? "");
		const body = await c.req.arrayBuffer();
		const shop = c.req.header("x-shopify-shop-domain")?.toLowerCase();
		if (
			!integration ||
			!(await verifyShopifyHmac(integration.secret, body, hmac)) ||
			(integration.shopDomain !== "" && shop !== integration.shopDomain)
		) {
			throw new ApiError("unauthorized", "The webhook signature does not match.");
		}
		signedBodies.set(c.req.raw, body);
		await next();
	};
}

const header = (name: string, description: string, required = false) => ({
	name,
	in: "header" as const,
	required,
	schema: { type: "string" as const },
	description,
});

/** Routes under /api/v1/webhooks/shopify: signed by Shopify, no API key. */
export const shopifyWebhookRoutes = apiRouter();

const receiveOrder = declareRoute({
	method: "post",
	path: "/{workspaceId}/orders",
	operationId: "receiveShopifyOrder",
	tag: "Webhooks",
	summary: "Shopify orders/create and orders/paid webhooks",
	description: "A signed delivery is always answered 200, also when the order is ignored.",
	auth: { scheme: "shopifyHmac", verify: verifyShopifyWebhook() },
	bodyLimit: 1024 * 1024,
	parameters: [
		header("X-Shopify-Topic", "orders/create or orders/paid; others are ignored."),
		header("X-Shopify-Shop-Domain", "Must be the stored shop.", true),
		header("X-Shopify-Webhook-Id", "Deliveries are de-duplicated on it."),
	],
	request: {
		params: z.object({ workspaceId: z.string().describe("The workspace's id (ws_…).") }),
		// Shopify's own resource, read from the signed bytes: documented, not validated.
		body: {
			required: true,
			content: {
				"application/json": {
					schema: {
						type: "object",
						description: "Shopify's Order resource; Tapline reads these fields.",
						properties: {
							id: { type: ["integer", "string"] },
							total_price: { type: "string" },
							currency: { type: "string" },
							created_at: { type: "string" },
							landing_site: { type: ["string", "null"], description: "Carries the tlid of the tap." },
							note_attributes: { type: "array", items: { type: "object" } },
							test: { type: "boolean" },
							cancelled_at: { type: ["string", "null"] },
						},
					},
				},
			},
		},
	},
	responses: { 200: { description: "Accepted or ignored.", ...json(ShopifyWebhookAnswer) } },
	errors: [401, 413],
});

// Shopify retries deliveries that fail or take longer than 5 seconds: verify, queue, answer.
shopifyWebhookRoutes.openapi(receiveOrder, async (c) => {
	const workspaceId = c.req.param("workspaceId");
	const body = signedBodies.get(c.req.raw) ?? new ArrayBuffer(0);
	const topic = c.req.header("x-shopify-topic") ?? "orders/create";
	if (!ORDER_TOPICS.has(topic)) return reply(c, receiveOrder, 200, { ignored: true, topic });

	// A signed delivery is always answered 200: Shopify retries anything else and may end the subscription.
	let order: unknown;
	try {
		order = JSON.parse(new TextDecoder().decode(body));
	} catch {
		console.error(JSON.stringify({ msg: "Shopify webhook body is not JSON", workspaceId }));
		return reply(c, receiveOrder, 200, { ignored: true, reason: "body is not JSON" });
	}
	if (isTestOrCancelled(order))
		return reply(c, receiveOrder, 200, { ignored: true, reason: "test or cancelled order" });
	const purchase = readShopifyOrder(order);
	if (!purchase) {
		console.error(JSON.stringify({ msg: "unusable Shopify order", workspaceId }));
		return reply(c, receiveOrder, 200, { ignored: true, reason: "no usable id, total_price or currency" });
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
	return reply(c, receiveOrder, 200, { accepted: true });
});

function isTestOrCancelled(order: unknown): boolean {
	const o = (typeof order === "object" && order !== null ? order : {}) as { test?: unknown; cancelled_at?: unknown };
	return o.test === true || (typeof o.cancelled_at === "string" && o.cancelled_at !== "");
}
