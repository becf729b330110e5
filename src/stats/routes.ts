import { Hono } from "hono";
import { campaignFromPath } from "../campaigns/from-path";
import type { AppEnv } from "../http/app-env";
import { readCampaignReport } from "./report";

/** Routes under /api/v1/campaigns/:id/stats. */
export const campaignStatsRoutes = new Hono<AppEnv>();

campaignStatsRoutes.get("/:id/stats", async (c) => {
	const campaign = await campaignFromPath(c);
	return c.json(await readCampaignReport(c.env.DB, c.get("workspaceId"), campaign));
});
