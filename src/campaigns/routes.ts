import { Hono } from "hono";
import { z } from "zod";
import { evictCampaignLinks } from "../cache/link-cache";
import { publicOrigin } from "../config";
import { CAMPAIGN_STAGES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { checkDestinationUrl, defaultUtm } from "./destination";
import { DEFAULT_FOLLOW_UP, FollowUpInput, mergeFollowUp } from "./follow-up-settings";
import { campaignFromPath } from "./from-path";
import { createCampaign, listCampaigns, updateCampaign } from "./queries";

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

export const CreateCampaign = z.strictObject({
	name,
	stage,
	destinationUrl,
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
});

// term and content can be cleared with null; source, medium and campaign always have a value.
export const UpdateCampaign = z
	.strictObject({
		name: name.optional(),
		stage: stage.optional(),
		destinationUrl: destinationUrl.optional(),
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
	.refine((u) => Object.keys(u).length > 0, { message: "give at least one field to change" });

export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export const campaignRoutes = new Hono<AppEnv>();

campaignRoutes.post("/", limitBody(16 * 1024), async (c) => {
	const input = await readJson(c, CreateCampaign);
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
	return c.json({ campaign }, 201);
});

campaignRoutes.get("/", async (c) => {
	const query = ListQuery.safeParse(c.req.query());
	if (!query.success) throw new ApiError("bad_request", "limit must be a whole number from 1 to 100.");
	const campaigns = await listCampaigns(c.env.DB, c.get("workspaceId"), query.data.limit);
	return c.json({ campaigns });
});

campaignRoutes.get("/:id", async (c) => {
	return c.json({ campaign: await campaignFromPath(c) });
});

// A changed destination or UTM value reaches every link of the campaign: at once in this isolate, within the link
// cache's TTL (60 s) elsewhere.
campaignRoutes.patch("/:id", limitBody(16 * 1024), async (c) => {
	const changes = await readJson(c, UpdateCampaign);
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
	return c.json({ campaign });
});

function checkedFollowUp(result: ReturnType<typeof mergeFollowUp>) {
	if (result.ok) return result.followUp;
	throw new ApiError("validation_failed", "The request is invalid.", [
		{ path: "followUp.message", message: result.message },
	]);
}
