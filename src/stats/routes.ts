import { CampaignId, campaignFromPath } from "../campaigns/from-path";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json } from "../http/schemas";
import { readJourney } from "./journey";
import { readCampaignReport } from "./report";
import { CampaignStats, Journey } from "./schemas";

/** Routes under /api/v1/campaigns/{id}/stats. */
export const campaignStatsRoutes = apiRouter();

const stats = declareRoute({
	method: "get",
	path: "/{id}/stats",
	operationId: "getCampaignStats",
	tag: "Stats",
	summary: "Campaign stats: clicks, breakdowns, message and purchase funnels",
	request: { params: CampaignId },
	responses: { 200: { description: "The stats.", ...json(CampaignStats) } },
	errors: [401, 404],
});
campaignStatsRoutes.openapi(stats, async (c) => {
	const campaign = await campaignFromPath(c);
	return reply(c, stats, 200, await readCampaignReport(c.env.DB, c.get("workspaceId"), campaign));
});

/** Routes under /api/v1/journey. */
export const journeyRoutes = apiRouter();

const journey = declareRoute({
	method: "get",
	path: "/",
	operationId: "getJourney",
	tag: "Stats",
	summary: "Campaigns, clicks, purchases and contacts by journey stage",
	responses: { 200: { description: "The journey.", ...json(Journey) } },
	errors: [401],
});
journeyRoutes.openapi(journey, async (c) => reply(c, journey, 200, await readJourney(c.env.DB, c.get("workspaceId"))));
