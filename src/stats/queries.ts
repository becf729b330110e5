import { batch, query, type Rows } from "../db/sql";
import { inAttributionWindow, workspaceWindowDays } from "../purchases/attribution-sql";
import { DELIVERY_TO_TAP_MS, medianLag, TAPPED_AFTER_DELIVERY } from "./delivery-sql";
import { type FollowUpStatRows, followUpStatRows, followUpStatStatements } from "./follow-up-queries";

export type StatRow = Omit<Rows["campaignStats"], "campaignId">;

export type PurchaseStatRow = Omit<Rows["campaignPurchaseStats"], "campaignId">;

export interface SourceRow {
	source: Rows["purchases"]["source"];
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
	status: Rows["messages"]["status"];
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

type Campaign = [campaignId: string];
type VariantLinks = { variant: string; links: number };

const STATS = query<StatRow, Campaign>(
	`SELECT dimension, value, clicks, human_clicks AS humanClicks, bot_clicks AS botClicks,
	        unique_humans AS uniqueHumans
	 FROM campaign_stats WHERE campaign_id = ?1`,
);
// Every link ever minted counts, deleted ones too: their taps stay in the click counts.
const LINKS_BY_VARIANT = query<VariantLinks, Campaign>(
	"SELECT coalesce(variant, '') AS variant, count(*) AS links FROM links WHERE campaign_id = ?1 GROUP BY variant",
);
const TAPPED_LINKS_BY_VARIANT = query<VariantLinks, Campaign>(
	`SELECT coalesce(variant, '') AS variant, count(*) AS links
	 FROM links INDEXED BY links_tapped_by_campaign_variant
	 WHERE campaign_id = ?1 AND clicks > 0 GROUP BY variant`,
);
const PURCHASE_STATS = query<PurchaseStatRow, Campaign>(
	`SELECT window_days AS windowDays, variant, currency, orders, revenue_minor AS revenueMinor, purchasers,
	        pixel_orders AS pixelOrders, pixel_revenue_minor AS pixelRevenueMinor, pixel_purchasers AS pixelPurchasers
	 FROM campaign_purchase_stats WHERE campaign_id = ?1`,
);
const ATTRIBUTION_WINDOW = query<{ days: number }, [workspaceId: string]>(
	"SELECT attribution_window_days AS days FROM workspaces WHERE id = ?1",
);
// Which way the purchases in the workspace's window were reported: the pixel is unsigned, so it is shown apart.
const PURCHASES_BY_SOURCE = query<SourceRow, [campaignId: string, workspaceId: string]>(
	`SELECT source, currency, count(*) AS orders, sum(value_minor) AS revenueMinor FROM purchases
	 WHERE campaign_id = ?1 AND ${inAttributionWindow("purchases", workspaceWindowDays("?2"))}
	 GROUP BY source, currency`,
);
// The same purchases by the UTC day they were made.
const PURCHASES_BY_DAY = query<PurchaseDayRow, [campaignId: string, workspaceId: string]>(
	`SELECT date(occurred_at / 1000, 'unixepoch') AS day, currency, count(*) AS orders,
	        sum(value_minor) AS revenueMinor FROM purchases
	 WHERE campaign_id = ?1 AND ${inAttributionWindow("purchases", workspaceWindowDays("?2"))}
	 GROUP BY day, currency`,
);
// The campaign's own messages (follow-ups have their own funnel).
const MESSAGES_BY_STATUS = query<MessageStatusRow, Campaign>(
	`SELECT coalesce(variant, '') AS variant, status, count(*) AS messages
	 FROM messages INDEXED BY messages_by_campaign_kind_variant_status
	 WHERE campaign_id = ?1 AND kind = 'campaign' GROUP BY variant, status`,
);
const DELIVERED_TAPS_BY_VARIANT = query<DeliveredTapRow, Campaign>(
	`SELECT variant, count(*) AS tapped, count(lag) AS timed, coalesce(sum(lag), 0) AS lagMsSum
	 FROM (${DELIVERED_TAPS}) GROUP BY variant`,
);
const MEDIAN_DELIVERY_TO_TAP = query<{ lag: number }, Campaign>(medianLag(DELIVERED_TAPS));

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
	] = await batch(d1, [
		STATS.bind(d1, campaignId),
		LINKS_BY_VARIANT.bind(d1, campaignId),
		TAPPED_LINKS_BY_VARIANT.bind(d1, campaignId),
		PURCHASE_STATS.bind(d1, campaignId),
		ATTRIBUTION_WINDOW.bind(d1, workspaceId),
		PURCHASES_BY_SOURCE.bind(d1, campaignId, workspaceId),
		PURCHASES_BY_DAY.bind(d1, campaignId, workspaceId),
		MESSAGES_BY_STATUS.bind(d1, campaignId),
		DELIVERED_TAPS_BY_VARIANT.bind(d1, campaignId),
		MEDIAN_DELIVERY_TO_TAP.bind(d1, campaignId),
		...followUpStatStatements(d1, workspaceId, campaignId, campaign.followUp.afterHours),
	]);
	return {
		stats: stats.results,
		linksByVariant: links.results,
		tappedLinksByVariant: tappedLinks.results,
		purchases: purchases.results,
		bySource: bySource.results,
		purchasesByDay: byDay.results,
		attributionWindowDays: workspace.results[0]?.days ?? 7,
		messages: messages.results,
		deliveredTaps: deliveredTaps.results,
		medianDeliveryToTapMs: median.results[0]?.lag ?? null,
		followUps: followUpStatRows(followUps),
	};
}
