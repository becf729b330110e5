import { Hono } from "hono";
import { campaignRoutes } from "./campaigns/routes";
import type { AppEnv } from "./http/app-env";
import { requireApiKey } from "./http/auth";
import { ApiError, renderError } from "./http/errors";
import { campaignLinkRoutes, linkRoutes } from "./links/routes";
import { conversionRoutes } from "./purchases/conversions-routes";
import { pixelRoutes } from "./purchases/pixel-routes";
import { integrationRoutes, shopifyWebhookRoutes } from "./purchases/shopify-routes";
import { notFoundPage } from "./redirect/responses";
import { redirectRoutes } from "./redirect/route";
import { journeyRoutes } from "./stats/journey";
import { campaignStatsRoutes } from "./stats/routes";
import { currentWorkspaceRoutes, workspaceRoutes } from "./workspaces/routes";

const api = new Hono<AppEnv>();
api.route("/workspaces", workspaceRoutes);
api.route("/webhooks/shopify", shopifyWebhookRoutes);
// "/x/*" also matches "/x" itself.
for (const path of ["/workspace", "/campaigns", "/links", "/conversions", "/integrations", "/journey"]) {
	api.use(`${path}/*`, requireApiKey());
}
api.route("/workspace", currentWorkspaceRoutes);
api.route("/campaigns", campaignRoutes);
api.route("/campaigns", campaignLinkRoutes);
api.route("/campaigns", campaignStatsRoutes);
api.route("/links", linkRoutes);
api.route("/conversions", conversionRoutes);
api.route("/integrations", integrationRoutes);
api.route("/journey", journeyRoutes);
api.all("*", () => {
	throw new ApiError("not_found", "No such API endpoint.");
});

export const app = new Hono<AppEnv>();
app.onError(renderError);
app.route("/api/v1", api);
app.get("/", (c) => c.text("Tapline: SMS link tracking. The API lives under /api/v1.\n"));
app.get("/robots.txt", (c) => c.text("User-agent: *\nDisallow: /\n"));
app.route("/", pixelRoutes);
app.route("/", redirectRoutes);
app.notFound(() => notFoundPage());
