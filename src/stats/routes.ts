import { Hono } from "hono";
import { findCampaign } from "../campaigns/queries";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { shapeCampaignStats } from "./campaign-stats";
import { readCampaignStats } from "./queries";

/** Routes under /api/v1/campaigns/:id/stats. */
export const campaignStatsRoutes = new Hono<AppEnv>();

campaignStatsRoutes.get("/:id/stats", async (c) => {
	const campaign = await findCampaign(c.env.DB, c.get("workspaceId"), c.req.param("id"));
	if (!campaign) throw new ApiError("not_found", "No campaign with that id in this workspace.");
	const rows = await readCampaignStats(c.env.DB, c.get("workspaceId"), campaign.id);
	return c.json({
		campaign: { id: campaign.id, name: campaign.name, stage: campaign.stage },
		...shapeCampaignStats(rows),
	});
});
