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

export interface MessageStatusRow {
	variant: string;
	status: string;
	messages: number;
}

export interface DeliveredTapRow {
	variant: string;
	/** Delivered messages whose recipient tapped (a human tap). */
	tapped: number;
	/** Of those, the ones with a delivery time, and the sum of their delays (a tap before the receipt counts 0). */
	timed: number;
	lagMsSum: number;
}

export interface CampaignStatRows {
	stats: StatRow[];
	linksByVariant: { variant: string; links: number }[];
	purchases: PurchaseStatRow[];
	bySource: SourceRow[];
	attributionWindowDays: number;
	messages: MessageStatusRow[];
	deliveredTaps: DeliveredTapRow[];
	medianDeliveryToTapMs: number | null;
}

// Delivered messages whose recipient tapped after the message was written, with the delay from the delivery
// receipt to the first such tap. The link keeps its first and last human tap only: when the first came before the
// message (the link was shared before the SMS went out), the last one stands in. A tap that beat its receipt (they
// often lag the handset) counts as 0.
const DELIVERED_TAPS = `
SELECT coalesce(m.variant, '') AS variant,
       max(CASE WHEN l.first_human_click_at >= m.created_at THEN l.first_human_click_at ELSE l.last_human_click_at END
           - m.delivered_at, 0) AS lag
FROM messages m JOIN links l ON l.code = m.link_code
WHERE m.campaign_id = ?1 AND m.kind = 'campaign' AND m.status IN ('delivered', 'read')
  AND l.last_human_click_at >= m.created_at`;

export async function readCampaignStats(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
): Promise<CampaignStatRows> {
	const [stats, links, purchases, workspace, bySource, messages, deliveredTaps, medianLag] = await d1.batch<
		Record<string, unknown>
	>([
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
		// The campaign's own messages (follow-ups have their own funnel).
		d1
			.prepare(
				`SELECT coalesce(variant, '') AS variant, status, count(*) AS messages FROM messages
				 WHERE campaign_id = ?1 AND kind = 'campaign' GROUP BY variant, status`,
			)
			.bind(campaignId),
		d1
			.prepare(
				`SELECT variant, count(*) AS tapped, count(lag) AS timed, coalesce(sum(lag), 0) AS lagMsSum
				 FROM (${DELIVERED_TAPS}) GROUP BY variant`,
			)
			.bind(campaignId),
		d1
			.prepare(
				`WITH lags AS (SELECT lag FROM (${DELIVERED_TAPS}) WHERE lag IS NOT NULL)
				 SELECT lag FROM lags ORDER BY lag LIMIT 1 OFFSET (SELECT (count(*) - 1) / 2 FROM lags)`,
			)
			.bind(campaignId),
	]);
	return {
		stats: (stats?.results ?? []) as unknown as StatRow[],
		linksByVariant: (links?.results ?? []) as unknown as { variant: string; links: number }[],
		purchases: (purchases?.results ?? []) as unknown as PurchaseStatRow[],
		bySource: (bySource?.results ?? []) as unknown as SourceRow[],
		attributionWindowDays: Number(workspace?.results[0]?.days ?? 7),
		messages: (messages?.results ?? []) as unknown as MessageStatusRow[],
		deliveredTaps: (deliveredTaps?.results ?? []) as unknown as DeliveredTapRow[],
		medianDeliveryToTapMs: medianLag?.results[0] ? Number(medianLag.results[0].lag) : null,
	};
}
