import type { z } from "zod";
import type { Campaign } from "../campaigns/queries";
import { shapeCampaignStats } from "./campaign-stats";
import { shapeFollowUpStats } from "./follow-up-stats";
import { readCampaignStats } from "./queries";
import type { CampaignStats } from "./schemas";

/** A campaign's stats as the API serves them and the dashboard draws them. */
export async function readCampaignReport(
	d1: D1Database,
	workspaceId: string,
	campaign: Campaign,
): Promise<CampaignReport> {
	const rows = await readCampaignStats(d1, workspaceId, campaign);
	return {
		campaign: { id: campaign.id, name: campaign.name, stage: campaign.stage },
		...shapeCampaignStats(rows),
		followUps: shapeFollowUpStats(rows.followUps, {
			enabled: campaign.followUp.enabled,
			attributionWindowDays: rows.attributionWindowDays,
		}),
	};
}

export type CampaignReport = z.infer<typeof CampaignStats>;
