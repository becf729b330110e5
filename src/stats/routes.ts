import { Hono } from "hono";
import { campaignFromPath } from "../campaigns/from-path";
import type { AppEnv } from "../http/app-env";
import { shapeCampaignStats } from "./campaign-stats";
import { shapeFollowUpStats } from "./follow-up-stats";
import { readCampaignStats } from "./queries";

/** Routes under /api/v1/campaigns/:id/stats. */
export const campaignStatsRoutes = new Hono<AppEnv>();

campaignStatsRoutes.get("/:id/stats", async (c) => {
	const campaign = await campaignFromPath(c);
	const rows = await readCampaignStats(c.env.DB, c.get("workspaceId"), campaign);
	return c.json({
		campaign: { id: campaign.id, name: campaign.name, stage: campaign.stage },
		...shapeCampaignStats(rows),
		followUps: shapeFollowUpStats(rows.followUps, {
			enabled: campaign.followUp.enabled,
			attributionWindowDays: rows.attributionWindowDays,
		}),
	});
});
