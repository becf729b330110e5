import { Hono } from "hono";
import { campaignRoutes } from "./campaigns/routes";
import type { AppEnv } from "./http/app-env";
import { requireApiKey } from "./http/auth";
import { ApiError, renderError } from "./http/errors";
import { campaignLinkRoutes, linkRoutes } from "./links/routes";
import { notFoundPage } from "./redirect/responses";
import { redirectRoutes } from "./redirect/route";
import { campaignStatsRoutes } from "./stats/routes";
import { workspaceRoutes } from "./workspaces/routes";

const api = new Hono<AppEnv>();
api.route("/workspaces", workspaceRoutes);
api.use("/campaigns/*", requireApiKey());
api.use("/links/*", requireApiKey());
api.route("/campaigns", campaignRoutes);
api.route("/campaigns", campaignLinkRoutes);
api.route("/campaigns", campaignStatsRoutes);
api.route("/links", linkRoutes);
api.all("*", () => {
	throw new ApiError("not_found", "No such API endpoint.");
});

export const app = new Hono<AppEnv>();
app.onError(renderError);
app.route("/api/v1", api);
app.get("/", (c) => c.text("Tapline: SMS link tracking. The API lives under /api/v1.\n"));
app.get("/robots.txt", (c) => c.text("User-agent: *\nDisallow: /\n"));
app.route("/", redirectRoutes);
app.notFound(() => notFoundPage());
