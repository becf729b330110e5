import type { Campaign } from "../campaigns/queries";
import { shapeCampaignStats } from "./campaign-stats";
import { shapeFollowUpStats } from "./follow-up-stats";
import { readCampaignStats } from "./queries";

/** A campaign's stats as the API serves them and the dashboard draws them. */
export async function readCampaignReport(d1: D1Database, workspaceId: string, campaign: Campaign) {
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

export type CampaignReport = Awaited<ReturnType<typeof readCampaignReport>>;
