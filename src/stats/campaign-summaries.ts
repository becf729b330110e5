import type { CampaignStage } from "../db/schema";
import type { PageCursor } from "../http/cursor";
import { revenueByCurrency } from "../purchases/money";
import { rate } from "./campaign-stats";
import { DELIVERED, REACHED_CARRIER } from "./delivery-sql";

/** One line of the campaign list: the headline numbers, computed as the campaign stats compute them. */
export interface CampaignSummary {
	id: string;
	name: string;
	stage: CampaignStage;
	createdAt: number;
	links: number;
	/** The campaign's own SMS that reached the carrier, and those delivered (follow-ups are apart). */
	sent: number;
	delivered: number;
	deliveryRate: number | null;
	/** Unique human clickers, and per link minted (the stats' clickThroughRate). */
	uniqueHumans: number;
	clickThroughRate: number | null;
	/** Purchasers within the workspace's attribution window, and per unique human clicker. */
	purchasers: number;
	conversionRate: number | null;
	revenue: Record<string, number>;
}

interface CampaignRow {
	id: string;
	name: string;
	stage: CampaignStage;
	createdAt: number;
}

/** The workspace's campaigns, newest first, after the cursor; `limit` of them (ask one more to know if more follow). */
export async function readCampaignSummaries(
	d1: D1Database,
	workspaceId: string,
	page: { limit: number; after: PageCursor | null },
): Promise<CampaignSummary[]> {
	const { results: campaigns } = await d1
		.prepare(
			`SELECT id, name, stage, created_at AS createdAt FROM campaigns INDEXED BY campaigns_by_workspace_created
			 WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
			 ORDER BY created_at DESC, id DESC LIMIT ?4`,
		)
		.bind(workspaceId, page.after?.at ?? null, page.after?.id ?? null, page.limit)
		.all<CampaignRow>();
	if (campaigns.length === 0) return [];
	const ids = JSON.stringify(campaigns.map((c) => c.id));
	const [links, messages, clicks, purchases] = await d1.batch<Record<string, unknown>>([
		d1
			.prepare(
				`SELECT l.campaign_id AS id, count(*) AS links FROM json_each(?1) j
				 CROSS JOIN links l INDEXED BY links_by_campaign_variant ON l.campaign_id = j.value GROUP BY l.campaign_id`,
			)
			.bind(ids),
		d1
			.prepare(
				`SELECT m.campaign_id AS id, sum(${REACHED_CARRIER}) AS sent, sum(${DELIVERED}) AS delivered
				 FROM json_each(?1) j
				 CROSS JOIN messages m INDEXED BY messages_by_campaign_kind_variant_status ON m.campaign_id = j.value
				 WHERE m.kind = 'campaign' GROUP BY m.campaign_id`,
			)
			.bind(ids),
		d1
			.prepare(
				`SELECT s.campaign_id AS id, s.unique_humans AS uniqueHumans FROM json_each(?1) j
				 CROSS JOIN campaign_stats s ON s.campaign_id = j.value AND s.dimension = 'total' AND s.value = ''`,
			)
			.bind(ids),
		d1
			.prepare(
				`SELECT p.campaign_id AS id, p.currency, p.purchasers, p.revenue_minor AS revenueMinor FROM json_each(?1) j
				 CROSS JOIN campaign_purchase_stats p ON p.campaign_id = j.value
				   AND p.window_days = (SELECT attribution_window_days FROM workspaces WHERE id = ?2)`,
			)
			.bind(ids, workspaceId),
	]);
	const byId = <Row extends { id: string }>(rows: unknown[] | undefined) =>
		new Map(((rows ?? []) as Row[]).map((r) => [r.id, r]));
	const linkCounts = byId<{ id: string; links: number }>(links?.results);
	const messageCounts = byId<{ id: string; sent: number; delivered: number }>(messages?.results);
	const clickCounts = byId<{ id: string; uniqueHumans: number }>(clicks?.results);
	const purchaseRows = (purchases?.results ?? []) as {
		id: string;
		currency: string;
		purchasers: number;
		revenueMinor: number;
	}[];
	return campaigns.map((c) => {
		const linkCount = linkCounts.get(c.id)?.links ?? 0;
		const sent = messageCounts.get(c.id)?.sent ?? 0;
		const delivered = messageCounts.get(c.id)?.delivered ?? 0;
		const uniqueHumans = clickCounts.get(c.id)?.uniqueHumans ?? 0;
		const own = purchaseRows.filter((r) => r.id === c.id);
		const purchasers = own.filter((r) => r.currency === "*").reduce((n, r) => n + r.purchasers, 0);
		return {
			...c,
			links: linkCount,
			sent,
			delivered,
			deliveryRate: rate(delivered, sent),
			uniqueHumans,
			clickThroughRate: rate(uniqueHumans, linkCount),
			purchasers,
			conversionRate: rate(purchasers, uniqueHumans),
			revenue: revenueByCurrency(own.filter((r) => r.currency !== "*")),
		};
	});
}
