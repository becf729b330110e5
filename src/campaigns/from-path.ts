import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { type Campaign, findCampaign } from "./queries";

/** The `{id}` path parameter of the routes under /campaigns/{id}, as the document shows it. */
export const CampaignId = z.object({ id: z.string().describe("The campaign's id (cmp_…).") });

const loaded = new WeakMap<Request, Campaign>();

/** The campaign named by the `:id` path parameter in the caller's workspace, or a 404 (another workspace's too). */
export async function campaignFromPath(c: Context<AppEnv>): Promise<Campaign> {
	const cached = loaded.get(c.req.raw);
	if (cached) return cached;
	const campaign = await findCampaign(c.env.DB, c.get("workspaceId"), c.req.param("id") ?? "");
	if (!campaign) throw new ApiError("not_found", "No campaign with that id in this workspace.");
	loaded.set(c.req.raw, campaign);
	return campaign;
}

/** For a route's `before`: an unknown campaign is a 404 before its body is read, as bulk routes always answered. */
export function requireCampaign(): MiddlewareHandler<AppEnv> {
	return async function requireCampaign(c, next) {
		await campaignFromPath(c);
		await next();
	};
}
