import { Hono } from "hono";
import { z } from "zod";
import { CAMPAIGN_STAGES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { checkDestinationUrl, defaultUtm } from "./destination";
import { createCampaign, findCampaign, listCampaigns } from "./queries";

const utmValue = z.string().trim().min(1).max(200);

const CreateCampaign = z.strictObject({
	name: z.string().trim().min(1).max(200),
	stage: z.enum(CAMPAIGN_STAGES),
	destinationUrl: z
		.string()
		.trim()
		.transform((value, ctx) => {
			const checked = checkDestinationUrl(value);
			if (checked.ok) return checked.url;
			ctx.addIssue({ code: "custom", message: checked.message });
			return z.NEVER;
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
});

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export const campaignRoutes = new Hono<AppEnv>();

campaignRoutes.post("/", limitBody(16 * 1024), async (c) => {
	const input = await readJson(c, CreateCampaign);
	const campaign = await createCampaign(
		c.env.DB,
		c.get("workspaceId"),
		{
			name: input.name,
			stage: input.stage,
			destinationUrl: input.destinationUrl,
			utm: defaultUtm(input.name, input.utm),
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
	const campaign = await findCampaign(c.env.DB, c.get("workspaceId"), c.req.param("id"));
	if (!campaign) throw new ApiError("not_found", "No campaign with that id in this workspace.");
	return c.json({ campaign });
});
