import { Hono } from "hono";
import { z } from "zod";
import { newId, randomAlphanumeric } from "../db/ids";
import { WEBHOOK_EVENT_TYPES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
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

export const CreateEndpoint = z.strictObject({
	url: EndpointUrl,
	// Default: every event type.
	events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
});

const shown = ({ secret: _secret, workspaceId: _workspaceId, ...endpoint }: Endpoint) => endpoint;

/** Routes under /api/v1/webhook-endpoints: where a workspace's events are posted. */
export const webhookEndpointRoutes = new Hono<AppEnv>();

webhookEndpointRoutes.post("/", limitBody(16 * 1024), async (c) => {
	const workspaceId = c.get("workspaceId");
	const input = await readJson(c, CreateEndpoint);
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
	return c.json({ endpoint: shown(endpoint), secret: endpoint.secret }, 201);
});

webhookEndpointRoutes.get("/", async (c) => {
	const endpoints = await endpointsOf(c.env.DB, [c.get("workspaceId")]);
	return c.json({ endpoints: endpoints.map(shown) });
});

webhookEndpointRoutes.delete("/:id", async (c) => {
	const workspaceId = c.get("workspaceId");
	if (!(await deleteEndpoint(c.env.DB, workspaceId, c.req.param("id"), Date.now()))) {
		throw new ApiError("not_found", "No webhook endpoint with that id in this workspace.");
	}
	forgetEndpoints(workspaceId);
	return c.body(null, 204);
});
