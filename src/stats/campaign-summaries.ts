import type { CampaignStage } from "../db/schema";
import type { PageCursor } from "../http/cursor";
import { revenueByCurrency } from "../purchases/money";
import { rate } from "./campaign-stats";
import { readCampaignPage, readSummaryCounts } from "./campaign-summary-queries";

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

/** The workspace's campaigns, newest first, after the cursor; `limit` of them (ask one more to know if more follow). */
export async function readCampaignSummaries(
	d1: D1Database,
	workspaceId: string,
	page: { limit: number; after: PageCursor | null },
): Promise<CampaignSummary[]> {
	const campaigns = await readCampaignPage(d1, workspaceId, page);
	if (campaigns.length === 0) return [];
	const counts = await readSummaryCounts(
		d1,
		workspaceId,
		campaigns.map((c) => c.id),
	);
	const byId = <Row extends { id: string }>(rows: Row[]) => new Map(rows.map((r) => [r.id, r]));
	const linkCounts = byId(counts.links);
	const messageCounts = byId(counts.messages);
	const clickCounts = byId(counts.clicks);
	const purchaseRows = counts.purchases;
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
