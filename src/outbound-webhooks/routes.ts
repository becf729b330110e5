import { z } from "zod";
import { config } from "../config";
import { newId } from "../db/ids";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../db/schema";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { attemptsOf, findAttempt, forgetAttempts, MAX_PER_ENDPOINT } from "./delivery-log";
import { forgetEndpoints } from "./emit";
import { refuseEndpointUrl } from "./endpoint-url";
import { DeliveryEnvelope } from "./events";
import { createEndpoint, deleteEndpoint, type Endpoint, endpointsById, endpointsOf } from "./queries";
import { newWebhookSecret } from "./signature";

const MAX_ENDPOINTS = 10;

// The shape only: whether this deployment accepts the URL (https, public host) is its settings' to say, checked in
// the handler with refuseEndpointUrl and again before every delivery.
const EndpointUrl = z.string().max(2048);

export const CreateEndpoint = z
	.strictObject({
		url: EndpointUrl.meta({
			format: "uri",
			description:
				"An https URL of a public host, without credentials. Loopback, private-network, link-local, metadata and reserved addresses are refused, in every spelling; plain http and local hosts only where the deployment allows them (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE_HOSTS).",
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
	.strictObject({
		endpoint: WebhookEndpoint,
		secret: z
			.string()
			.describe(
				"Signs every delivery (Standard Webhooks: whsec_ and a base64 key; verify with the standardwebhooks package). Shown once.",
			),
	})
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
	const refused = refuseEndpointUrl(input.url, config(c.env).webhookEndpoints);
	if (refused) {
		throw new ApiError("validation_failed", "The request body is invalid.", [
			{ path: "url", message: `URL ${refused}` },
		]);
	}
	if ((await endpointsOf(c.env.DB, [workspaceId])).length >= MAX_ENDPOINTS) {
		throw new ApiError("conflict", `A workspace has at most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
	}
	const endpoint: Endpoint = {
		id: newId("whe"),
		workspaceId,
		url: input.url,
		secret: newWebhookSecret(),
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
	const id = c.req.param("id");
	if (!(await deleteEndpoint(c.env.DB, workspaceId, id, Date.now()))) {
		throw new ApiError("not_found", "No webhook endpoint with that id in this workspace.");
	}
	await forgetAttempts(c.env.DB, id);
	forgetEndpoints(workspaceId);
	return c.body(null, 204);
});

const Delivery = z
	.strictObject({
		id: z.string().describe("The attempt's id (whd_…), for redelivery."),
		eventId: z.string(),
		eventType: z.enum(WEBHOOK_EVENT_TYPES),
		attempt: z.number().int().describe("1 for the first try of a delivery, then one more per retry."),
		status: z.number().int().nullable().describe("The endpoint's HTTP status; null when it gave none."),
		ok: z.boolean().describe("A 2xx answer."),
		error: z.string().nullable().describe('Why it failed: "HTTP 500", a timeout, a refused connection or URL.'),
		durationMs: z.number().int(),
		attemptedAt: millis,
	})
	.meta({ id: "WebhookDelivery" });

const DeliveryList = z.strictObject({ deliveries: z.array(Delivery) }).meta({ id: "WebhookDeliveryList" });

const Redelivery = z
	.strictObject({ queued: z.literal(true), eventId: z.string(), endpointId: z.string() })
	.meta({ id: "WebhookRedelivery" });

const EndpointId = z.object({ id: z.string().describe("The endpoint's id (whe_…).") });

async function endpointOf(c: { env: Env; get(key: "workspaceId"): string }, id: string): Promise<Endpoint> {
	const endpoint = (await endpointsById(c.env.DB, [id])).get(id);
	if (!endpoint || endpoint.workspaceId !== c.get("workspaceId")) {
		throw new ApiError("not_found", "No webhook endpoint with that id in this workspace.");
	}
	return endpoint;
}

const deliveries = declareRoute({
	method: "get",
	path: "/{id}/deliveries",
	operationId: "listWebhookDeliveries",
	tag: "Outbound webhooks",
	summary: "The endpoint's last delivery attempts, newest first",
	description: `Each attempt: when, the HTTP status, the error, how long it took. The last ${MAX_PER_ENDPOINT} attempts are kept per endpoint.`,
	request: {
		params: EndpointId,
		query: z.object({ limit: z.coerce.number().int().min(1).max(MAX_PER_ENDPOINT).default(50) }),
	},
	queryProblem: `The query is invalid: limit is 1 to ${MAX_PER_ENDPOINT}.`,
	responses: { 200: { description: "Attempts.", ...json(DeliveryList) } },
	errors: [400, 401, 404],
});
webhookEndpointRoutes.openapi(deliveries, async (c) => {
	const endpoint = await endpointOf(c, c.req.valid("param").id);
	const attempts = await attemptsOf(c.env.DB, endpoint.id, c.req.valid("query").limit);
	return reply(c, deliveries, 200, {
		deliveries: attempts.map((a) => ({
			id: a.id,
			eventId: a.eventId,
			eventType: a.eventType as WebhookEventType,
			attempt: a.attempt,
			status: a.status,
			ok: a.ok,
			error: a.error,
			durationMs: a.durationMs,
			attemptedAt: a.attemptedAt,
		})),
	});
});

const redeliver = declareRoute({
	method: "post",
	path: "/{id}/deliveries/{deliveryId}/redeliver",
	operationId: "redeliverWebhook",
	tag: "Outbound webhooks",
	summary: "Send an attempt's event to the endpoint again",
	description:
		"Queues the same event again, with the same webhook-id (receivers that de-duplicate on it drop a copy they already processed) and a fresh timestamp and signature. The new attempt appears in the delivery log.",
	request: {
		params: EndpointId.extend({ deliveryId: z.string().describe("An attempt's id (whd_…).") }),
	},
	responses: { 202: { description: "Queued.", ...json(Redelivery) } },
	errors: [401, 404, 503],
});
webhookEndpointRoutes.openapi(redeliver, async (c) => {
	const { id, deliveryId } = c.req.valid("param");
	const endpoint = await endpointOf(c, id);
	const attempt = await findAttempt(c.env.DB, endpoint.id, deliveryId);
	if (!attempt) throw new ApiError("not_found", "No delivery with that id for this endpoint.");
	const event = JSON.parse(attempt.payload) as DeliveryEnvelope["event"];
	try {
		await c.env.WEBHOOKS.send(DeliveryEnvelope.wrap({ endpointId: endpoint.id, event }), { contentType: "json" });
	} catch (err) {
		console.error(JSON.stringify({ msg: "redelivery could not be queued", error: String(err) }));
		throw new ApiError("unavailable", "The delivery could not be queued; try again.");
	}
	return reply(c, redeliver, 202, { queued: true, eventId: event.id, endpointId: endpoint.id });
});
