import { Hono } from "hono";
import { campaignRoutes } from "./campaigns/routes";
import { contactRoutes } from "./contacts/routes";
import { dashboardRoutes } from "./dashboard/routes";
import { campaignExportRoutes } from "./exports/routes";
import { campaignFollowUpRoutes } from "./follow-ups/routes";
import type { AppEnv } from "./http/app-env";
import { ApiError, renderError } from "./http/errors";
import { campaignLinkRoutes, linkRoutes } from "./links/routes";
import { messageRoutes } from "./messages/routes";
import { campaignSendRoutes } from "./messages/send-routes";
import { docsRoutes, openApiRoutes } from "./openapi/routes";
import { conversionRoutes } from "./purchases/conversions-routes";
import { pixelRoutes } from "./purchases/pixel-routes";
import { integrationRoutes, shopifyWebhookRoutes } from "./purchases/shopify-routes";
import { notFoundPage } from "./redirect/responses";
import { redirectRoutes } from "./redirect/route";
import { journeyRoutes } from "./stats/journey";
import { campaignStatsRoutes } from "./stats/routes";
import { twilioWebhookRoutes } from "./twilio/webhook-routes";
import { webhookEndpointRoutes } from "./webhooks/routes";
import { requireApiKey } from "./workspaces/auth";
import { currentWorkspaceRoutes, workspaceRoutes } from "./workspaces/routes";

const api = new Hono<AppEnv>();
api.route("/workspaces", workspaceRoutes);
api.route("/webhooks/shopify", shopifyWebhookRoutes);
api.route("/webhooks/twilio", twilioWebhookRoutes);
// "/x/*" also matches "/x" itself.
for (const path of [
	"/workspace",
	"/campaigns",
	"/links",
	"/contacts",
	"/messages",
	"/conversions",
	"/integrations",
	"/journey",
	"/webhook-endpoints",
]) {
	api.use(`${path}/*`, requireApiKey());
}
api.route("/workspace", currentWorkspaceRoutes);
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
api.route("/", openApiRoutes);
// Registered last: a path the API knows but not with this method is a 405 with Allow, anything else a 404.
const routePatterns = api.routes
	.filter((r) => r.method !== "ALL")
	// Exact paths only, as the router matches them: "/campaigns/x/" is a 404, not a 405 for "/campaigns/:id".
	.map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:[^/]+/g, "[^/]+")}$`) }));
api.all("*", (c) => {
	const path = c.req.path.replace(/^\/api\/v1/, "");
	const allowed = [...new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method))];
	if (allowed.length > 0) {
		c.header("allow", allowed.join(", "));
		throw new ApiError("method_not_allowed", `Use ${allowed.join(" or ")} on this endpoint.`);
	}
	throw new ApiError("not_found", "No such API endpoint.");
});

export const app = new Hono<AppEnv>();
app.onError(renderError);
app.route("/api/v1", api);
app.get("/", (c) => c.text("Tapline: SMS link tracking. The API lives under /api/v1.\n"));
app.get("/robots.txt", (c) => c.text("User-agent: *\nDisallow: /\n"));
// Before the redirect, or "/:code" would take /docs and /dashboard.
app.route("/", docsRoutes);
app.route("/dashboard", dashboardRoutes);
app.route("/", pixelRoutes);
app.route("/", redirectRoutes);
app.notFound(() => notFoundPage());
