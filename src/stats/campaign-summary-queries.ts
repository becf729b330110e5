import { all, batch, query, type Rows } from "../db/sql";
import type { PageCursor } from "../http/cursor";
import { workspaceWindowDays } from "../purchases/attribution-sql";
import { DELIVERED, REACHED_CARRIER } from "./delivery-sql";

export type CampaignRow = Pick<Rows["campaigns"], "id" | "name" | "stage" | "createdAt">;

const CAMPAIGN_PAGE = query<
	CampaignRow,
	[workspaceId: string, afterAt: number | null, afterId: string | null, limit: number]
>(
	`SELECT id, name, stage, created_at AS createdAt FROM campaigns INDEXED BY campaigns_by_workspace_created
	 WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
	 ORDER BY created_at DESC, id DESC LIMIT ?4`,
);

/** The workspace's campaigns, newest first, after the cursor. */
export function readCampaignPage(
	d1: D1Database,
	workspaceId: string,
	page: { limit: number; after: PageCursor | null },
): Promise<CampaignRow[]> {
	return all(CAMPAIGN_PAGE.bind(d1, workspaceId, page.after?.at ?? null, page.after?.id ?? null, page.limit));
}

type Ids = [campaignIds: string];

const LINK_COUNTS = query<{ id: string; links: number }, Ids>(
	`SELECT l.campaign_id AS id, count(*) AS links FROM json_each(?1) j
	 CROSS JOIN links l INDEXED BY links_by_campaign_variant ON l.campaign_id = j.value GROUP BY l.campaign_id`,
);
const MESSAGE_COUNTS = query<{ id: string; sent: number; delivered: number }, Ids>(
	`SELECT m.campaign_id AS id, sum(${REACHED_CARRIER}) AS sent, sum(${DELIVERED}) AS delivered
	 FROM json_each(?1) j
	 CROSS JOIN messages m INDEXED BY messages_by_campaign_kind_variant_status ON m.campaign_id = j.value
	 WHERE m.kind = 'campaign' GROUP BY m.campaign_id`,
);
const UNIQUE_HUMANS = query<{ id: string } & Pick<Rows["campaignStats"], "uniqueHumans">, Ids>(
	`SELECT s.campaign_id AS id, s.unique_humans AS uniqueHumans FROM json_each(?1) j
	 CROSS JOIN campaign_stats s ON s.campaign_id = j.value AND s.dimension = 'total' AND s.value = ''`,
);
const PURCHASES = query<
	{ id: string } & Pick<Rows["campaignPurchaseStats"], "currency" | "purchasers" | "revenueMinor">,
	[campaignIds: string, workspaceId: string]
>(
	`SELECT p.campaign_id AS id, p.currency, p.purchasers, p.revenue_minor AS revenueMinor FROM json_each(?1) j
	 CROSS JOIN campaign_purchase_stats p ON p.campaign_id = j.value
	   AND p.window_days = ${workspaceWindowDays("?2")}`,
);

/** The headline counts of some campaigns, in one D1 batch: links, messages, unique humans, purchases (window). */
export async function readSummaryCounts(d1: D1Database, workspaceId: string, campaignIds: string[]) {
	const ids = JSON.stringify(campaignIds);
	const [links, messages, clicks, purchases] = await batch(d1, [
		LINK_COUNTS.bind(d1, ids),
		MESSAGE_COUNTS.bind(d1, ids),
		UNIQUE_HUMANS.bind(d1, ids),
		PURCHASES.bind(d1, ids, workspaceId),
	]);
	return { links: links.results, messages: messages.results, clicks: clicks.results, purchases: purchases.results };
}
