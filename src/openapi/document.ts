import type { OpenAPIHono } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_TYPES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { WEBHOOK_PAYLOADS, webhookPayloadSchemas } from "../outbound-webhooks/events";
import { componentSchemas, type JsonSchema, ref } from "./schema-json";

export type OpenApiDocument = {
	openapi: "3.1.0";
	info: { title: string; version: string; description: string };
	paths: Record<string, Record<string, JsonSchema>>;
	webhooks: Record<string, { post: JsonSchema }>;
	components: {
		schemas: Record<string, JsonSchema>;
		securitySchemes: Record<string, JsonSchema>;
	};
	tags: { name: string; description: string }[];
};

const TAGS: Record<string, string> = {
	Workspaces: "A workspace and its settings.",
	Campaigns: "Campaigns: a destination, a journey stage, UTM values.",
	Links: "Per-recipient short links.",
	Messages: "Sending SMS, and what became of each.",
	"Follow-ups": "The automatic SMS to contacts who tapped and did not buy: who got one, and why the others did not.",
	Contacts: "People, their consent, and erasure.",
	Stats: "Clicks, funnels and the journey.",
	Exports: "A campaign's data, streamed as CSV or NDJSON.",
	Purchases: "Purchases reported server to server, and the Shopify connection.",
	Webhooks: "Called by Shopify and Twilio, signed.",
	"Outbound webhooks": "Endpoints of yours that Tapline posts events to, signed.",
	Redirect: "What a recipient taps.",
	Site: "The shop's snippet and pixel.",
	Meta: "This document, and the Worker's own pages.",
};

/** The `auth` of a route declaration (src/http/route.ts), as the document names it. */
const SECURITY_SCHEMES: Record<string, JsonSchema> = {
	apiKey: { type: "http", scheme: "bearer", description: "A workspace's API key (tl_…)." },
	adminToken: { type: "http", scheme: "bearer", description: "The deployment's ADMIN_TOKEN." },
	shopifyHmac: {
		type: "apiKey",
		in: "header",
		name: "X-Shopify-Hmac-Sha256",
		description: "Base64 HMAC-SHA256 of the raw body with the shop's webhook secret.",
	},
	twilioSignature: {
		type: "apiKey",
		in: "header",
		name: "X-Twilio-Signature",
		description: "Base64 HMAC-SHA1 with the auth token over PUBLIC_URL + path + query and the sorted form parameters.",
	},
};

const header = (name: string, description: string): JsonSchema => ({
	name,
	in: "header",
	required: true,
	description,
	schema: { type: "string" },
});

/** The outbound webhooks: what Tapline POSTs to a marketer's endpoint for each event type. */
function webhooks(): OpenApiDocument["webhooks"] {
	return Object.fromEntries(
		WEBHOOK_EVENT_TYPES.map((type) => [
			type,
			{
				post: {
					operationId: `webhook.${type}`,
					tags: ["Outbound webhooks"],
					summary: `${type}, posted to endpoints that subscribed to it`,
					description:
						"Signed as Standard Webhooks (https://www.standardwebhooks.com/) asks: verify with the standardwebhooks package or Svix's libraries, `new Webhook(secret).verify(rawBody, headers)`, which refuses a wrong signature and a timestamp more than 5 minutes off. Answer 2xx within 10 s; anything else is retried with backoff (10 s doubling to 10 min, 8 retries), then dead-lettered. Deliveries are at least once: de-duplicate on webhook-id.",
					parameters: [
						header(
							"webhook-id",
							"The event's id, as in the body (percent-encoded where a header cannot carry it); the same on every retry and redelivery.",
						),
						header("webhook-timestamp", "When this attempt was sent, in whole seconds since the epoch."),
						header(
							"webhook-signature",
							'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>", keyed by the base64-decoded part of the secret after whsec_>',
						),
					],
					requestBody: { required: true, content: { "application/json": { schema: ref(WEBHOOK_PAYLOADS[type]) } } },
					responses: { "2XX": { description: "Received; anything else is retried." } },
				},
			},
		]),
	);
}

// zod bounds every .int() by the safe-integer range; said on every count, it is noise in the document.
function dropSafeIntegerBounds(node: unknown): void {
	if (Array.isArray(node)) {
		for (const item of node) dropSafeIntegerBounds(item);
		return;
	}
	if (typeof node !== "object" || node === null) return;
	const schema = node as JsonSchema;
	if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
	if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
	for (const value of Object.values(schema)) dropSafeIntegerBounds(value);
}

/**
 * The OpenAPI 3.1 document of `app`: every route as its declaration (src/http/route.ts) describes it, plus the
 * outbound webhooks' payloads.
 */
export function describeApp(app: OpenAPIHono<AppEnv>): OpenApiDocument {
	const generated = app.getOpenAPI31Document({
		openapi: "3.1.0",
		info: {
			title: "Tapline API",
			version: "1",
			description:
				"SMS link tracking: per-recipient short links, edge redirects, click and purchase stats. API routes are under /api/v1, take and return JSON, and authenticate with Authorization: Bearer <key>. Errors are {error:{code,message,requestId,details?}}.",
		},
		tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
	}) as unknown as OpenApiDocument;
	const schemas = generated.components?.schemas ?? {};
	const payloads = componentSchemas(webhookPayloadSchemas);
	for (const id of Object.keys(payloads)) {
		if (id in schemas) throw new Error(`OpenAPI document: component ${id} is named twice`);
	}
	const document: OpenApiDocument = {
		openapi: "3.1.0",
		info: generated.info,
		tags: generated.tags,
		paths: generated.paths,
		webhooks: webhooks(),
		components: {
			schemas: { ...schemas, ...payloads },
			securitySchemes: SECURITY_SCHEMES,
		},
	};
	dropSafeIntegerBounds(document.paths);
	dropSafeIntegerBounds(document.components.schemas);
	return document;
}
