import { WEBHOOK_EVENT_TYPES } from "../db/schema";
import { WEBHOOK_PAYLOADS, webhookPayloadSchemas } from "../webhooks/events";
import { type Auth, type OperationSpec, operations } from "./operations";
import { requestSchemas } from "./requests";
import { responseSchemas } from "./responses";
import { componentSchemas, type JsonSchema, ref } from "./schema-json";

export type OpenApiDocument = {
	openapi: "3.1.0";
	info: { title: string; version: string; description: string };
	paths: Record<string, Record<string, JsonSchema>>;
	webhooks: Record<string, { post: JsonSchema }>;
	components: {
		schemas: Record<string, JsonSchema>;
		securitySchemes: Record<Exclude<Auth, "none">, JsonSchema>;
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

/** What each status means, for the error responses of every operation. */
export const ERROR_STATUSES: Record<number, string> = {
	400: "invalid_json or bad_request: malformed JSON, bad query parameters, a missing signature header.",
	401: "unauthorized: missing, wrong or revoked key, token or signature.",
	403: "forbidden: a signature that does not match.",
	404: "not_found: unknown, or another workspace's.",
	409: "conflict: a secret another workspace already uses.",
	413: "payload_too_large: the body is over this route's limit.",
	415: "unsupported_media_type: the body is not of the expected type.",
	422: "validation_failed: details lists each problem with its path (and index in a list).",
	503: "not_configured or unavailable: see message and details.",
};

const SECURITY_SCHEMES: OpenApiDocument["components"]["securitySchemes"] = {
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

function operationObject(op: OperationSpec): JsonSchema {
	const responses: Record<string, JsonSchema> = {};
	for (const [status, spec] of Object.entries(op.responses)) {
		responses[status] = {
			description: spec.description,
			...(spec.content
				? { content: Object.fromEntries(Object.entries(spec.content).map(([type, schema]) => [type, { schema }])) }
				: {}),
			...(spec.headers
				? {
						headers: Object.fromEntries(
							Object.entries(spec.headers).map(([name, description]) => [
								name,
								{ description, schema: { type: "string" } },
							]),
						),
					}
				: {}),
		};
	}
	for (const status of op.errors) {
		responses[status] = {
			description: ERROR_STATUSES[status] ?? "An error.",
			content: { "application/json": { schema: ref("Error") } },
		};
	}
	return {
		operationId: op.operationId,
		tags: [op.tag],
		summary: op.summary,
		...(op.description ? { description: op.description } : {}),
		security: op.auth === "none" ? [] : [{ [op.auth]: [] }],
		...(op.parameters ? { parameters: op.parameters } : {}),
		...(op.body
			? { requestBody: { required: true, content: { [op.body.mediaType]: { schema: op.body.schema } } } }
			: {}),
		responses,
	};
}

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
						"Verify before trusting: Tapline-Signature is t=<unix seconds>,v1=<hex HMAC-SHA256 of `<t>.<raw body>` keyed with the endpoint's secret>; compare in constant time and refuse a t more than 5 minutes old. Answer 2xx within 10 s; anything else is retried with backoff (10 s doubling to 10 min, 8 retries), then dead-lettered. Deliveries are at least once: de-duplicate on the event id.",
					parameters: [
						header("Tapline-Signature", "t=<unix seconds>,v1=<hex HMAC-SHA256 of `<t>.<body>`>"),
						header("Tapline-Event-Id", "The event's id, as in the body."),
						header("Tapline-Event-Type", type),
					],
					requestBody: { required: true, content: { "application/json": { schema: ref(WEBHOOK_PAYLOADS[type]) } } },
					responses: { "2XX": { description: "Received; anything else is retried." } },
				},
			},
		]),
	);
}

/** Builds the OpenAPI 3.1 document from the routes' own zod schemas and the response schemas. */
export function buildOpenApiDocument(): OpenApiDocument {
	const paths: OpenApiDocument["paths"] = {};
	for (const op of operations()) {
		const item = paths[op.path] ?? {};
		paths[op.path] = item;
		if (item[op.method]) throw new Error(`OpenAPI document: ${op.method} ${op.path} listed twice`);
		item[op.method] = operationObject(op);
	}
	const responses = componentSchemas(responseSchemas);
	const requests = requestSchemas();
	const payloads = componentSchemas(webhookPayloadSchemas);
	for (const id of [...Object.keys(requests), ...Object.keys(payloads)]) {
		if (id in responses) throw new Error(`OpenAPI document: component ${id} is named twice`);
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "Tapline API",
			version: "1",
			description:
				"SMS link tracking: per-recipient short links, edge redirects, click and purchase stats. API routes are under /api/v1, take and return JSON, and authenticate with Authorization: Bearer <key>. Errors are {error:{code,message,requestId,details?}}.",
		},
		tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
		paths,
		webhooks: webhooks(),
		components: {
			schemas: { ...requests, ...responses, ...payloads },
			securitySchemes: SECURITY_SCHEMES,
		},
	};
}

let cached: OpenApiDocument | undefined;

/** The document, built once per isolate: it depends on code only. */
export function openApiDocument(): OpenApiDocument {
	cached ??= buildOpenApiDocument();
	return cached;
}
