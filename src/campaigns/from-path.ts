import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { type Campaign, findCampaign } from "./queries";

/** The campaign named by the `:id` path parameter in the caller's workspace, or a 404 (another workspace's too). */
export async function campaignFromPath(c: Context<AppEnv>): Promise<Campaign> {
	const campaign = await findCampaign(c.env.DB, c.get("workspaceId"), c.req.param("id") ?? "");
	if (!campaign) throw new ApiError("not_found", "No campaign with that id in this workspace.");
	return campaign;
}
