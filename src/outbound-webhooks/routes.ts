import { z } from "zod";
import { newId, randomAlphanumeric } from "../db/ids";
import { WEBHOOK_EVENT_TYPES } from "../db/schema";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { forgetEndpoints } from "./emit";
import { createEndpoint, deleteEndpoint, type Endpoint, endpointsOf } from "./queries";

const MAX_ENDPOINTS = 10;
const secretPart = randomAlphanumeric(32);

// https only, but plain http to this machine for local development. Addresses of private networks are refused:
// Cloudflare's network cannot reach them anyway, and a self-hosted runtime should not post to them.
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const PRIVATE_ADDRESS =
	/^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.|\[(::1?|f[cd][0-9a-f]*:.*|fe80:.*)\]$)/i;
const EndpointUrl = z
	.string()
	.max(2048)
	.refine((raw) => {
		try {
			const url = new URL(raw);
			if (url.username || url.password) return false;
			if (url.protocol === "http:") return LOCAL_HOSTS.has(url.hostname);
			return url.protocol === "https:" && !PRIVATE_ADDRESS.test(url.hostname) && !url.hostname.endsWith(".internal");
		} catch {
			return false;
		}
	}, "must be a public https URL without credentials (plain http only for localhost)");

export const CreateEndpoint = z
	.strictObject({
		url: EndpointUrl.meta({
			format: "uri",
			description: "An https URL without credentials (http only for localhost).",
		}),
		events: z
			.array(z.enum(WEBHOOK_EVENT_TYPES))
			.min(1)
			.optional()
			.describe("The event types to post; default: every one."),
	})
	.meta({ id: "CreateWebhookEndpoint" });

const WebhookEndpoint = z
	.strictObject({
		id: z.string(),
		url: z.string(),
		events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
		createdAt: millis,
	})
	.meta({ id: "WebhookEndpoint" });

const WebhookEndpointCreated = z
	.strictObject({ endpoint: WebhookEndpoint, secret: z.string().describe("Signs every delivery; shown once.") })
	.meta({ id: "WebhookEndpointCreated" });

const WebhookEndpointList = z.strictObject({ endpoints: z.array(WebhookEndpoint) }).meta({ id: "WebhookEndpointList" });

const shown = ({
	secret: _secret,
	workspaceId: _workspaceId,
	...endpoint
}: Endpoint): z.infer<typeof WebhookEndpoint> => endpoint;

/** Routes under /api/v1/webhook-endpoints: where a workspace's events are posted. */
export const webhookEndpointRoutes = apiRouter();

const create = declareRoute({
	method: "post",
	path: "/",
	operationId: "createWebhookEndpoint",
	tag: "Outbound webhooks",
	summary: "Add an endpoint that events are posted to",
	description: "The signing secret is shown once, here.",
	bodyLimit: 16 * 1024,
	request: { body: { required: true, ...json(CreateEndpoint) } },
	responses: { 201: { description: "Created.", ...json(WebhookEndpointCreated) } },
	errors: [400, 401, 409, 413, 415, 422],
});
webhookEndpointRoutes.openapi(create, async (c) => {
	const workspaceId = c.get("workspaceId");
	const input = c.req.valid("json");
	if ((await endpointsOf(c.env.DB, [workspaceId])).length >= MAX_ENDPOINTS) {
		throw new ApiError("conflict", `A workspace has at most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
	}
	const endpoint: Endpoint = {
		id: newId("whe"),
		workspaceId,
		url: input.url,
		secret: `whsec_${secretPart()}`,
		events: [...new Set(input.events ?? WEBHOOK_EVENT_TYPES)],
		createdAt: Date.now(),
	};
	await createEndpoint(c.env.DB, endpoint);
	forgetEndpoints(workspaceId);
	// The secret is shown once, here: it signs every delivery.
	return reply(c, create, 201, { endpoint: shown(endpoint), secret: endpoint.secret });
});

const list = declareRoute({
	method: "get",
	path: "/",
	operationId: "listWebhookEndpoints",
	tag: "Outbound webhooks",
	summary: "The workspace's webhook endpoints",
	responses: { 200: { description: "Endpoints.", ...json(WebhookEndpointList) } },
	errors: [401],
});
webhookEndpointRoutes.openapi(list, async (c) => {
	const endpoints = await endpointsOf(c.env.DB, [c.get("workspaceId")]);
	return reply(c, list, 200, { endpoints: endpoints.map(shown) });
});

const remove = declareRoute({
	method: "delete",
	path: "/{id}",
	operationId: "deleteWebhookEndpoint",
	tag: "Outbound webhooks",
	summary: "Remove a webhook endpoint",
	request: { params: z.object({ id: z.string().describe("The endpoint's id (whe_…).") }) },
	responses: { 204: { description: "Removed." } },
	errors: [401, 404],
});
webhookEndpointRoutes.openapi(remove, async (c) => {
	const workspaceId = c.get("workspaceId");
	if (!(await deleteEndpoint(c.env.DB, workspaceId, c.req.param("id"), Date.now()))) {
		throw new ApiError("not_found", "No webhook endpoint with that id in this workspace.");
	}
	forgetEndpoints(workspaceId);
	return c.body(null, 204);
});
