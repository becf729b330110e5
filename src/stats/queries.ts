import { DELIVERY_TO_TAP_MS, medianLag, TAPPED_AFTER_DELIVERY } from "./delivery-sql";
import { type FollowUpStatRows, followUpStatRows, followUpStatStatements } from "./follow-up-queries";

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

export interface PurchaseDayRow {
	day: string;
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
	/** Links with any tap, bots and previews included: what a tracker that counts every request calls clicked. */
	tappedLinksByVariant: { variant: string; links: number }[];
	purchases: PurchaseStatRow[];
	bySource: SourceRow[];
	purchasesByDay: PurchaseDayRow[];
	attributionWindowDays: number;
	messages: MessageStatusRow[];
	deliveredTaps: DeliveredTapRow[];
	medianDeliveryToTapMs: number | null;
	followUps: FollowUpStatRows;
}

const DELIVERED_TAPS = `
SELECT coalesce(m.variant, '') AS variant, ${DELIVERY_TO_TAP_MS} AS lag
FROM messages m JOIN links l ON l.code = m.link_code
WHERE m.campaign_id = ?1 AND m.kind = 'campaign' AND ${TAPPED_AFTER_DELIVERY}`;

/** Everything the campaign stats show, read in one D1 batch (one round trip). */
export async function readCampaignStats(
	d1: D1Database,
	workspaceId: string,
	campaign: { id: string; followUp: { afterHours: number } },
): Promise<CampaignStatRows> {
	const campaignId = campaign.id;
	const [
		stats,
		links,
		tappedLinks,
		purchases,
		workspace,
		bySource,
		byDay,
		messages,
		deliveredTaps,
		median,
		...followUps
	] = await d1.batch<Record<string, unknown>>([
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
				`SELECT coalesce(variant, '') AS variant, count(*) AS links
				 FROM links INDEXED BY links_tapped_by_campaign_variant
				 WHERE campaign_id = ?1 AND clicks > 0 GROUP BY variant`,
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
		// The same purchases by the UTC day they were made.
		d1
			.prepare(
				`SELECT date(occurred_at / 1000, 'unixepoch') AS day, currency, count(*) AS orders,
				        sum(value_minor) AS revenueMinor FROM purchases
				 WHERE campaign_id = ?1 AND (attributed_by = 'click_id'
				   OR lag_ms <= (SELECT attribution_window_days FROM workspaces WHERE id = ?2) * 86400000)
				 GROUP BY day, currency`,
			)
			.bind(campaignId, workspaceId),
		// The campaign's own messages (follow-ups have their own funnel).
		d1
			.prepare(
				`SELECT coalesce(variant, '') AS variant, status, count(*) AS messages
				 FROM messages INDEXED BY messages_by_campaign_kind_variant_status
				 WHERE campaign_id = ?1 AND kind = 'campaign' GROUP BY variant, status`,
			)
			.bind(campaignId),
		d1
			.prepare(
				`SELECT variant, count(*) AS tapped, count(lag) AS timed, coalesce(sum(lag), 0) AS lagMsSum
				 FROM (${DELIVERED_TAPS}) GROUP BY variant`,
			)
			.bind(campaignId),
		d1.prepare(medianLag(DELIVERED_TAPS)).bind(campaignId),
		...followUpStatStatements(d1, workspaceId, campaignId, campaign.followUp.afterHours),
	]);
	return {
		stats: (stats?.results ?? []) as unknown as StatRow[],
		linksByVariant: (links?.results ?? []) as unknown as { variant: string; links: number }[],
		tappedLinksByVariant: (tappedLinks?.results ?? []) as unknown as { variant: string; links: number }[],
		purchases: (purchases?.results ?? []) as unknown as PurchaseStatRow[],
		bySource: (bySource?.results ?? []) as unknown as SourceRow[],
		purchasesByDay: (byDay?.results ?? []) as unknown as PurchaseDayRow[],
		attributionWindowDays: Number(workspace?.results[0]?.days ?? 7),
		messages: (messages?.results ?? []) as unknown as MessageStatusRow[],
		deliveredTaps: (deliveredTaps?.results ?? []) as unknown as DeliveredTapRow[],
		medianDeliveryToTapMs: median?.results[0] ? Number(median.results[0].lag) : null,
		followUps: followUpStatRows(followUps),
	};
}
