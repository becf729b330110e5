import { secureHeaders } from "hono/secure-headers";
import { campaignRoutes } from "./campaigns/routes";
import { contactRoutes } from "./contacts/routes";
import { dashboardRoutes } from "./dashboard/routes";
import { adminDeadLetterRoutes, workspaceDeadLetterRoutes } from "./dead-letters/routes";
import { campaignExportRoutes } from "./exports/routes";
import { campaignFollowUpRoutes } from "./follow-ups/routes";
import { ApiError, renderError } from "./http/errors";
import { apiRouter, documentRoute, provideAuth } from "./http/route";
import { campaignLinkRoutes, linkRoutes } from "./links/routes";
import { messageRoutes } from "./messages/routes/lifecycle";
import { campaignSendRoutes } from "./messages/routes/send";
import { renderDocsPage } from "./openapi/docs-page";
import { describeApp, type OpenApiDocument } from "./openapi/document";
import { webhookEndpointRoutes } from "./outbound-webhooks/routes";
import { conversionRoutes } from "./purchases/routes/conversions";
import { pixelRoutes } from "./purchases/routes/pixel";
import { integrationRoutes, shopifyWebhookRoutes } from "./purchases/routes/shopify";
import { notFoundPage } from "./redirect/responses";
import { redirectRoutes } from "./redirect/routes";
import { campaignStatsRoutes, journeyRoutes } from "./stats/routes";
import { twilioWebhookRoutes } from "./twilio/routes";
import { apiKeyRoutes } from "./workspaces/api-key-routes";
import { requireAdmin, requireApiKey } from "./workspaces/auth";
import { currentWorkspaceRoutes, workspaceRoutes } from "./workspaces/routes";

// Each feature's HTTP surface is its `routes.ts` (or, for a feature with several, the files of its `routes/`
// folder), composed here with app.route(). Every route there is declared once with declareRoute (src/http/route.ts):
// validators, response schemas, auth and error statuses, from which both the checks and /api/v1/openapi.json come.
// A declaration without `auth` takes the API key: nothing mounted here is public unless it says so.

provideAuth({ apiKey: requireApiKey(), adminToken: requireAdmin() });

const api = apiRouter();
api.route("/workspaces", workspaceRoutes);
api.route("/webhooks/shopify", shopifyWebhookRoutes);
api.route("/webhooks/twilio", twilioWebhookRoutes);
api.route("/workspace", currentWorkspaceRoutes);
api.route("/api-keys", apiKeyRoutes);
api.route("/campaigns", campaignRoutes);
api.route("/campaigns", campaignLinkRoutes);
api.route("/campaigns", campaignStatsRoutes);
api.route("/campaigns", campaignSendRoutes);
api.route("/campaigns", campaignExportRoutes);
api.route("/campaigns", campaignFollowUpRoutes);
api.route("/contacts", contactRoutes);
api.route("/messages", messageRoutes);
api.route("/webhook-endpoints", webhookEndpointRoutes);
api.route("/links", linkRoutes);
api.route("/conversions", conversionRoutes);
api.route("/integrations", integrationRoutes);
api.route("/journey", journeyRoutes);
api.route("/dead-letters", workspaceDeadLetterRoutes);
api.route("/admin/dead-letters", adminDeadLetterRoutes);

let serialised: string | undefined;
const openApiJson = documentRoute(api, {
	method: "get",
	path: "/openapi.json",
	operationId: "getOpenApiDocument",
	tag: "Meta",
	summary: "This document (OpenAPI 3.1)",
	auth: "public",
	responses: { 200: { description: "The document.", content: { "application/json": { schema: { type: "object" } } } } },
	errors: [],
});
api.get(openApiJson, () => {
	serialised ??= JSON.stringify(openApiDocument());
	return new Response(serialised, {
		headers: {
			"content-type": "application/json; charset=utf-8",
			"cache-control": "public, max-age=300",
			"access-control-allow-origin": "*",
		},
	});
});

// Registered last: a path the API knows but not with this method is a 405 with Allow, anything else a 404. Under a
// first segment that has API-key routes, the key is asked for first, as those routes would.
const routePatterns = api.routes
	.filter((r) => r.method !== "ALL")
	// Exact paths only, as the router matches them: "/campaigns/x/" is a 404, not a 405 for "/campaigns/:id".
	.map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:[^/]+/g, "[^/]+")}$`) }));
const keyedSegments = new Set(
	api.openAPIRegistry.definitions.flatMap((d) =>
		d.type === "route" && d.route.security?.some((s) => "apiKey" in s) ? [firstSegment(d.route.path)] : [],
	),
);
function firstSegment(path: string): string {
	return path.split("/")[1] ?? "";
}
const checkKey = requireApiKey();
api.all("*", async (c) => {
	const path = c.req.path.replace(/^\/api\/v1/, "");
	if (keyedSegments.has(firstSegment(path))) await checkKey(c, async () => {});
	const allowed = [...new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method))];
	if (allowed.length > 0) {
		c.header("allow", allowed.join(", "));
		throw new ApiError("method_not_allowed", `Use ${allowed.join(" or ")} on this endpoint.`);
	}
	throw new ApiError("not_found", "No such API endpoint.");
});

export const app = apiRouter();
app.onError(renderError);
app.route("/api/v1", api);

const home = documentRoute(app, {
	method: "get",
	path: "/",
	operationId: "getHome",
	tag: "Meta",
	summary: "A line saying what this is",
	auth: "public",
	responses: { 200: { description: "Plain text.", content: { "text/plain": { schema: { type: "string" } } } } },
	errors: [],
});
app.get(home, (c) => c.text("Tapline: SMS link tracking. The API lives under /api/v1.\n"));

const robots = documentRoute(app, {
	method: "get",
	path: "/robots.txt",
	operationId: "getRobots",
	tag: "Meta",
	summary: "Disallows every crawler",
	auth: "public",
	responses: { 200: { description: "Plain text.", content: { "text/plain": { schema: { type: "string" } } } } },
	errors: [],
});
app.get(robots, (c) => c.text("User-agent: *\nDisallow: /\n"));

let page: string | undefined;
const docs = documentRoute(app, {
	method: "get",
	path: "/docs",
	operationId: "getDocs",
	tag: "Meta",
	summary: "This document as a web page",
	auth: "public",
	responses: { 200: { description: "HTML.", content: { "text/html": { schema: { type: "string" } } } } },
	errors: [],
});
// Before the redirect, or "/:code" would take /docs and /dashboard. hono/secure-headers here, on the dashboard and
// nowhere else: the redirect's referrer behaviour is what shops rely on, and the pixel is an image on their pages.
app.get(docs, secureHeaders({ referrerPolicy: "no-referrer" }), () => {
	page ??= renderDocsPage(openApiDocument());
	return new Response(page, {
		headers: {
			"content-type": "text/html; charset=utf-8",
			"cache-control": "public, max-age=300",
			// Self-contained: nothing may be loaded from anywhere, not even from this origin.
			"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
		},
	});
});
// The marketer's pages: signed in with a session, not part of the API document.
app.route("/dashboard", dashboardRoutes);
app.route("/", pixelRoutes);
app.route("/", redirectRoutes);
app.notFound(() => notFoundPage());

/** The OpenAPI 3.1 document of the app, built from the route declarations. */
export function buildOpenApiDocument(): OpenApiDocument {
	return describeApp(app);
}

let cached: OpenApiDocument | undefined;

/** The document, built once per isolate: it depends on code only. */
export function openApiDocument(): OpenApiDocument {
	cached ??= buildOpenApiDocument();
	return cached;
}
