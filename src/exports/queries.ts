// Reads for the campaign exports, one page at a time so that an export of any size keeps memory flat. Pages are
// keyed, never offset: each query starts where the last one stopped.

// A Worker invocation may make 1,000 D1 queries (50 on the Free plan): pages of 5,000 rows allow exports of up to
// about 5 million rows (250,000 on Free) while keeping each page's memory small.
export const EXPORT_PAGE_SIZE = 5000;

export interface RecipientRow {
	rid: number;
	code: string;
	phone: string | null;
	externalId: string | null;
	variant: string | null;
	messageStatus: string | null;
	sentAt: number | null;
	deliveredAt: number | null;
	errorCode: string | null;
	firstTapAt: number | null;
	humanClicks: number;
	/** JSON object of verified attributed revenue per currency, in minor units; "{}" when the recipient bought nothing. */
	revenueMinor: string;
}

/** Where a recipients export stopped: links are read per variant (NULL first), in minting order (rowid). */
export interface RecipientCursor {
	variant: string | null;
	afterRowid: number;
}

// links_by_campaign_variant is (campaign_id, variant) and, like every SQLite index, ends with the rowid: with both
// columns fixed its entries are in rowid order, so each page is one index range with no sort. Named because D1
// keeps no planner statistics, and left alone SQLite may walk the primary key (every link of every campaign).
const RECIPIENTS_PAGE = `
SELECT l.rowid AS rid, l.code, CASE WHEN c.erased_at IS NULL THEN c.phone END AS phone,
       CASE WHEN c.erased_at IS NULL THEN c.external_id END AS externalId, l.variant,
       m.status AS messageStatus, m.sent_at AS sentAt, m.delivered_at AS deliveredAt, m.error_code AS errorCode,
       l.first_human_click_at AS firstTapAt, l.human_clicks AS humanClicks,
       (SELECT json_group_object(currency, total) FROM (
          SELECT p.currency, sum(p.value_minor) AS total FROM purchases p INDEXED BY purchases_by_contact
          WHERE p.contact_id = l.contact_id AND p.link_code = l.code AND p.verified = 1 GROUP BY p.currency)) AS revenueMinor
FROM links l INDEXED BY links_by_campaign_variant
JOIN contacts c ON c.id = l.contact_id
LEFT JOIN messages m INDEXED BY messages_by_campaign_contact_kind
  ON m.campaign_id = l.campaign_id AND m.contact_id = l.contact_id AND m.kind = l.kind
WHERE l.campaign_id = ?1 AND l.variant IS ?2 AND l.rowid > ?3
ORDER BY l.rowid
LIMIT ?4`;

// The next variant after the given one, by one index seek; NULL (links without a variant) comes first.
const FIRST_VARIANT = `
SELECT variant FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant IS NOT NULL ORDER BY variant LIMIT 1`;
const NEXT_VARIANT = `
SELECT variant FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant > ?2 ORDER BY variant LIMIT 1`;

export interface ClickExportRow {
	id: string;
	clickedAt: number;
	linkCode: string;
	variant: string | null;
	human: number;
	botReason: string | null;
	deviceType: string | null;
	os: string | null;
	browser: string | null;
	country: string | null;
}

// Keyed on the click id, through the campaign's range of clicks_by_campaign (named: D1 keeps no statistics, and the
// primary key would also serve the ORDER BY).
const CLICKS_PAGE = `
SELECT id, clicked_at AS clickedAt, link_code AS linkCode, variant, human, bot_reason AS botReason,
       device_type AS deviceType, os, browser, country
FROM clicks INDEXED BY clicks_by_campaign
WHERE campaign_id = ?1 AND id > ?2
ORDER BY id
LIMIT ?3`;

/** The statements, for tests that check their query plans. */
export const EXPORT_READS = { RECIPIENTS_PAGE, FIRST_VARIANT, NEXT_VARIANT, CLICKS_PAGE };

/** One page of a campaign's recipients (its links, with contact, campaign message, taps and purchases). */
export async function readRecipientsPage(
	d1: D1Database,
	campaignId: string,
	cursor: RecipientCursor,
	limit = EXPORT_PAGE_SIZE,
): Promise<RecipientRow[]> {
	const { results } = await d1
		.prepare(RECIPIENTS_PAGE)
		.bind(campaignId, cursor.variant, cursor.afterRowid, limit)
		.all<RecipientRow>();
	return results;
}

/** The variant after `variant` among the campaign's links (undefined: none left). */
export async function findNextVariant(
	d1: D1Database,
	campaignId: string,
	variant: string | null,
): Promise<string | undefined> {
	const statement =
		variant === null ? d1.prepare(FIRST_VARIANT).bind(campaignId) : d1.prepare(NEXT_VARIANT).bind(campaignId, variant);
	const row = await statement.first<{ variant: string }>();
	return row?.variant;
}

/** One page of a campaign's raw clicks, after the click id `afterId` ("" for the first page). */
export async function readClicksPage(
	d1: D1Database,
	campaignId: string,
	afterId: string,
	limit = EXPORT_PAGE_SIZE,
): Promise<ClickExportRow[]> {
	const { results } = await d1.prepare(CLICKS_PAGE).bind(campaignId, afterId, limit).all<ClickExportRow>();
	return results;
}
