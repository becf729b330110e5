import { z } from "zod";
import { evictCampaignLinks } from "../cache/link-cache";
import { publicOrigin } from "../config";
import { CAMPAIGN_STAGES } from "../db/schema";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { checkDestinationUrl, defaultUtm } from "./destination";
import { DEFAULT_FOLLOW_UP, FollowUpInput, mergeFollowUp } from "./follow-up-settings";
import { CampaignId, campaignFromPath } from "./from-path";
import { createCampaign, listCampaigns, type Campaign as StoredCampaign, updateCampaign } from "./queries";

const utmValue = z.string().trim().min(1).max(200);

const name = z.string().trim().min(1).max(200);
const stage = z.enum(CAMPAIGN_STAGES);
const destinationUrl = z
	.string()
	.trim()
	.transform((value, ctx) => {
		const checked = checkDestinationUrl(value);
		if (checked.ok) return checked.url;
		ctx.addIssue({ code: "custom", message: checked.message });
		return z.NEVER;
	});

export const CreateCampaign = z
	.strictObject({
		name,
		stage,
		destinationUrl: destinationUrl.meta({
			format: "uri",
			maxLength: 2048,
			description: "Absolute http(s) URL without credentials.",
		}),
		utm: z
			.strictObject({
				source: utmValue.optional(),
				medium: utmValue.optional(),
				campaign: utmValue.optional(),
				term: utmValue.optional(),
				content: utmValue.optional(),
			})
			.optional(),
		followUp: FollowUpInput.optional(),
	})
	.meta({ id: "CreateCampaign" });

// term and content can be cleared with null; source, medium and campaign always have a value.
export const UpdateCampaign = z
	.strictObject({
		name: name.optional(),
		stage: stage.optional(),
		destinationUrl: destinationUrl.optional().meta({ format: "uri", maxLength: 2048 }),
		utm: z
			.strictObject({
				source: utmValue.optional(),
				medium: utmValue.optional(),
				campaign: utmValue.optional(),
				term: utmValue.nullable().optional(),
				content: utmValue.nullable().optional(),
			})
			.optional(),
		followUp: FollowUpInput.optional(),
	})
	.refine((u) => Object.keys(u).length > 0, { message: "give at least one field to change" })
	.meta({ id: "UpdateCampaign", minProperties: 1 });

export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export const Campaign = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		stage: z.enum(CAMPAIGN_STAGES),
		destinationUrl: z.string(),
		utm: z.strictObject({
			source: z.string(),
			medium: z.string(),
			campaign: z.string(),
			term: z.string().nullable(),
			content: z.string().nullable(),
		}),
		followUp: z.strictObject({
			enabled: z.boolean(),
			afterHours: z.number().int(),
			windowHours: z.number().int(),
			message: z.string().nullable(),
			variant: z.string(),
		}),
		createdAt: millis,
		updatedAt: millis,
	})
	.meta({ id: "Campaign" });

type CampaignShown = z.infer<typeof Campaign>;

/** A stored campaign as the API shows it: a UTM term or content never set is null. */
function shown(campaign: StoredCampaign): CampaignShown {
	return {
		...campaign,
		utm: { ...campaign.utm, term: campaign.utm.term ?? null, content: campaign.utm.content ?? null },
	};
}

const CampaignBody = z.strictObject({ campaign: Campaign }).meta({ id: "CampaignBody" });
const CampaignList = z.strictObject({ campaigns: z.array(Campaign) }).meta({ id: "CampaignList" });

/** Routes under /api/v1/campaigns. */
export const campaignRoutes = apiRouter();

const create = declareRoute({
	method: "post",
	path: "/",
	operationId: "createCampaign",
	tag: "Campaigns",
	summary: "Create a campaign",
	bodyLimit: 16 * 1024,
	request: { body: { required: true, ...json(CreateCampaign) } },
	responses: { 201: { description: "Created.", ...json(CampaignBody) } },
	errors: [400, 401, 413, 415, 422],
});
campaignRoutes.openapi(create, async (c) => {
	const input = c.req.valid("json");
	const followUp = checkedFollowUp(mergeFollowUp(DEFAULT_FOLLOW_UP, input.followUp, publicOrigin(c.env, c.req.url)));
	const campaign = await createCampaign(
		c.env.DB,
		c.get("workspaceId"),
		{
			name: input.name,
			stage: input.stage,
			destinationUrl: input.destinationUrl,
			utm: defaultUtm(input.name, input.utm),
			followUp,
			followUpOrigin: publicOrigin(c.env, c.req.url),
		},
		Date.now(),
	);
	return reply(c, create, 201, { campaign: shown(campaign) });
});

const list = declareRoute({
	method: "get",
	path: "/",
	operationId: "listCampaigns",
	tag: "Campaigns",
	summary: "The workspace's campaigns, newest first",
	request: { query: ListQuery },
	queryProblem: { message: "limit must be a whole number from 1 to 100.", details: false },
	responses: { 200: { description: "Campaigns.", ...json(CampaignList) } },
	errors: [400, 401],
});
campaignRoutes.openapi(list, async (c) => {
	const campaigns = await listCampaigns(c.env.DB, c.get("workspaceId"), c.req.valid("query").limit);
	return reply(c, list, 200, { campaigns: campaigns.map(shown) });
});

const get = declareRoute({
	method: "get",
	path: "/{id}",
	operationId: "getCampaign",
	tag: "Campaigns",
	summary: "One campaign",
	request: { params: CampaignId },
	responses: { 200: { description: "The campaign.", ...json(CampaignBody) } },
	errors: [401, 404],
});
campaignRoutes.openapi(get, async (c) => reply(c, get, 200, { campaign: shown(await campaignFromPath(c)) }));

const update = declareRoute({
	method: "patch",
	path: "/{id}",
	operationId: "updateCampaign",
	tag: "Campaigns",
	summary: "Change a campaign; its links redirect to the new destination",
	bodyLimit: 16 * 1024,
	request: { params: CampaignId, body: { required: true, ...json(UpdateCampaign) } },
	responses: { 200: { description: "The changed campaign.", ...json(CampaignBody) } },
	errors: [400, 401, 404, 413, 415, 422],
});
// A changed destination or UTM value reaches every link of the campaign: at once in this isolate, within the link
// cache's TTL (60 s) elsewhere.
campaignRoutes.openapi(update, async (c) => {
	const changes = c.req.valid("json");
	const workspaceId = c.get("workspaceId");
	const current = await campaignFromPath(c);
	const followUp = checkedFollowUp(mergeFollowUp(current.followUp, changes.followUp, publicOrigin(c.env, c.req.url)));
	const campaign = await updateCampaign(
		c.env.DB,
		workspaceId,
		{
			...current,
			...(changes.name ? { name: changes.name } : {}),
			...(changes.stage ? { stage: changes.stage } : {}),
			...(changes.destinationUrl ? { destinationUrl: changes.destinationUrl } : {}),
			utm: { ...current.utm, ...changes.utm },
			followUp,
			...(changes.followUp ? { followUpOrigin: publicOrigin(c.env, c.req.url) } : {}),
		},
		Date.now(),
	);
	evictCampaignLinks(current.id);
	return reply(c, update, 200, { campaign: shown(campaign) });
});

function checkedFollowUp(result: ReturnType<typeof mergeFollowUp>) {
	if (result.ok) return result.followUp;
	throw new ApiError("validation_failed", "The request is invalid.", [
		{ path: "followUp.message", message: result.message },
	]);
}
