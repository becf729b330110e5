export interface StatRow {
	dimension: string;
	value: string;
	clicks: number;
	humanClicks: number;
	botClicks: number;
	uniqueHumans: number;
}

export interface PurchaseStatRow {
	windowDays: number;
	variant: string;
	currency: string;
	orders: number;
	revenueMinor: number;
	purchasers: number;
}

export interface SourceRow {
	source: string;
	currency: string;
	orders: number;
	revenueMinor: number;
}

export interface CampaignStatRows {
	stats: StatRow[];
	linksByVariant: { variant: string; links: number }[];
	purchases: PurchaseStatRow[];
	bySource: SourceRow[];
	attributionWindowDays: number;
}

export async function readCampaignStats(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
): Promise<CampaignStatRows> {
	const [stats, links, purchases, workspace, bySource] = await d1.batch<Record<string, unknown>>([
		d1
			.prepare(
				`SELECT dimension, value, clicks, human_clicks AS humanClicks, bot_clicks AS botClicks,
				        unique_humans AS uniqueHumans
				 FROM campaign_stats WHERE campaign_id = ?1`,
			)
			.bind(campaignId),
		// Every link ever minted counts, deleted ones too: their taps stay in the click counts.
		d1
			.prepare(
				"SELECT coalesce(variant, '') AS variant, count(*) AS links FROM links WHERE campaign_id = ?1 GROUP BY variant",
			)
			.bind(campaignId),
		d1
			.prepare(
				`SELECT window_days AS windowDays, variant, currency, orders, revenue_minor AS revenueMinor, purchasers
				 FROM campaign_purchase_stats WHERE campaign_id = ?1`,
			)
			.bind(campaignId),
		d1.prepare("SELECT attribution_window_days AS days FROM workspaces WHERE id = ?1").bind(workspaceId),
		// Which way the purchases in the workspace's window were reported: the pixel is unsigned, so it is shown apart.
		d1
			.prepare(
				`SELECT source, currency, count(*) AS orders, sum(value_minor) AS revenueMinor FROM purchases
				 WHERE campaign_id = ?1 AND (attributed_by = 'click_id'
				   OR lag_ms <= (SELECT attribution_window_days FROM workspaces WHERE id = ?2) * 86400000)
				 GROUP BY source, currency`,
			)
			.bind(campaignId, workspaceId),
	]);
	return {
		stats: (stats?.results ?? []) as unknown as StatRow[],
		linksByVariant: (links?.results ?? []) as unknown as { variant: string; links: number }[],
		purchases: (purchases?.results ?? []) as unknown as PurchaseStatRow[],
		bySource: (bySource?.results ?? []) as unknown as SourceRow[],
		attributionWindowDays: Number(workspace?.results[0]?.days ?? 7),
	};
}
