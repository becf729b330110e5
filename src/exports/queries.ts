import { unlessErased } from "../contacts/contact-sql";
import { all, first, query, type Rows } from "../db/sql";

// Reads for the campaign exports, one page at a time so that an export of any size keeps memory flat. Pages are
// keyed, never offset: each query starts where the last one stopped.

// Pages of 5,000 rows keep each page's memory small while a response of EXPORT_MAX_ROWS (routes.ts) stays at about
// 200 D1 queries, well under the 1,000 a Worker invocation may make.
export const EXPORT_PAGE_SIZE = 5000;

/** The largest rowid a page may need to reach: "no upper bound" for a variant the response reads to its end. */
export const NO_ROWID_BOUND = Number.MAX_SAFE_INTEGER;
/** The same for click ids, which are ASCII: the last code point sorts after all of them in SQLite's BINARY order. */
export const NO_ID_BOUND = "\u{10FFFF}";

export type RecipientRow = Pick<Rows["links"], "code" | "variant" | "humanClicks"> & {
	/** The link's rowid: the export's order within a variant. */
	rid: number;
	/** Null once the contact is erased. */
	phone: Rows["contacts"]["phone"] | null;
	externalId: Rows["contacts"]["externalId"];
	messageStatus: Rows["messages"]["status"] | null;
	sentAt: Rows["messages"]["sentAt"];
	deliveredAt: Rows["messages"]["deliveredAt"];
	errorCode: Rows["messages"]["errorCode"];
	firstTapAt: Rows["links"]["firstHumanClickAt"];
	/** JSON object of verified attributed revenue per currency, in minor units; "{}" when the recipient bought nothing. */
	revenueMinor: string;
};

/** Where a recipients export stopped: links are read per variant (NULL first), in minting order (rowid). */
export interface RecipientCursor {
	variant: string | null;
	afterRowid: number;
}

type Variant = { variant: string };
type RecipientKey = { variant: string | null; rid: number };
type RecipientEndParams = [campaignId: string, variant: string | null, afterRowid: number, rows: number];

// links_by_campaign_variant is (campaign_id, variant) and, like every SQLite index, ends with the rowid: with both
// columns fixed its entries are in rowid order, so each page is one index range with no sort. Named because D1
// keeps no planner statistics, and left alone SQLite may walk the primary key (every link of every campaign).
const RECIPIENTS_PAGE = query<
	RecipientRow,
	[campaignId: string, variant: string | null, afterRowid: number, limit: number, throughRowid: number]
>(`
SELECT l.rowid AS rid, l.code, ${unlessErased("c", "phone")} AS phone,
       ${unlessErased("c", "external_id")} AS externalId, l.variant,
       m.status AS messageStatus, m.sent_at AS sentAt, m.delivered_at AS deliveredAt, m.error_code AS errorCode,
       l.first_human_click_at AS firstTapAt, l.human_clicks AS humanClicks,
       (SELECT json_group_object(currency, total) FROM (
          SELECT p.currency, sum(p.value_minor) AS total FROM purchases p INDEXED BY purchases_by_contact
          WHERE p.contact_id = l.contact_id AND p.link_code = l.code AND p.verified = 1 GROUP BY p.currency)) AS revenueMinor
FROM links l INDEXED BY links_by_campaign_variant
JOIN contacts c ON c.id = l.contact_id
LEFT JOIN messages m INDEXED BY messages_by_campaign_contact_kind
  ON m.campaign_id = l.campaign_id AND m.contact_id = l.contact_id AND m.kind = l.kind
WHERE l.campaign_id = ?1 AND l.variant IS ?2 AND l.rowid > ?3 AND l.rowid <= ?5
ORDER BY l.rowid
LIMIT ?4`);

// The next variant after the given one, by one index seek; NULL (links without a variant) comes first.
const FIRST_VARIANT = query<Variant, [campaignId: string]>(`
SELECT variant FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant IS NOT NULL ORDER BY variant LIMIT 1`);
const NEXT_VARIANT = query<Variant, [campaignId: string, variant: string]>(`
SELECT variant FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant > ?2 ORDER BY variant LIMIT 1`);

// Where one response of a paged export ends: the last link it holds and the one after (none: it reaches the end),
// the rows at offset ?4 - 1 and ?4 after the cursor in export order. Both arms are ranges of the covering index
// links_by_campaign_variant, merged in (variant, rowid) order without a sort; the OFFSET walks index entries only.
// Two statements because `variant > NULL` is never true: after the NULL variant, every non-NULL one follows.
const RECIPIENTS_END_FROM_NULL = query<RecipientKey, RecipientEndParams>(`
SELECT variant, rowid AS rid FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant IS NULL AND rowid > ?3
UNION ALL
SELECT variant, rowid AS rid FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant IS NOT NULL
ORDER BY 1, 2
LIMIT 2 OFFSET ?4 - 1`);
const RECIPIENTS_END_FROM_VARIANT = query<RecipientKey, RecipientEndParams>(`
SELECT variant, rowid AS rid FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant = ?2 AND rowid > ?3
UNION ALL
SELECT variant, rowid AS rid FROM links INDEXED BY links_by_campaign_variant
WHERE campaign_id = ?1 AND variant > ?2
ORDER BY 1, 2
LIMIT 2 OFFSET ?4 - 1`);

export type ClickExportRow = Pick<
	Rows["clicks"],
	"id" | "clickedAt" | "linkCode" | "variant" | "human" | "botReason" | "deviceType" | "os" | "browser" | "country"
>;

// Keyed on the click id, through the campaign's range of clicks_by_campaign (named: D1 keeps no statistics, and the
// primary key would also serve the ORDER BY).
const CLICKS_PAGE = query<ClickExportRow, [campaignId: string, afterId: string, limit: number, throughId: string]>(`
SELECT id, clicked_at AS clickedAt, link_code AS linkCode, variant, human, bot_reason AS botReason,
       device_type AS deviceType, os, browser, country
FROM clicks INDEXED BY clicks_by_campaign
WHERE campaign_id = ?1 AND id > ?2 AND id <= ?4
ORDER BY id
LIMIT ?3`);

// The same for clicks: the ids at offset ?3 - 1 and ?3 after the cursor, from the covering index clicks_by_campaign.
const CLICKS_END = query<Pick<Rows["clicks"], "id">, [campaignId: string, afterId: string, rows: number]>(`
SELECT id FROM clicks INDEXED BY clicks_by_campaign
WHERE campaign_id = ?1 AND id > ?2
ORDER BY id
LIMIT 2 OFFSET ?3 - 1`);

/** The statements, for tests that check their query plans. */
export const EXPORT_READS = {
	RECIPIENTS_PAGE: RECIPIENTS_PAGE.sql,
	FIRST_VARIANT: FIRST_VARIANT.sql,
	NEXT_VARIANT: NEXT_VARIANT.sql,
	RECIPIENTS_END_FROM_NULL: RECIPIENTS_END_FROM_NULL.sql,
	RECIPIENTS_END_FROM_VARIANT: RECIPIENTS_END_FROM_VARIANT.sql,
	CLICKS_PAGE: CLICKS_PAGE.sql,
	CLICKS_END: CLICKS_END.sql,
};

/**
 * One page of a campaign's recipients (its links, with contact, campaign message, taps and purchases) in the cursor's
 * variant, up to the rowid `throughRowid`.
 */
export async function readRecipientsPage(
	d1: D1Database,
	campaignId: string,
	cursor: RecipientCursor,
	throughRowid = NO_ROWID_BOUND,
	limit = EXPORT_PAGE_SIZE,
): Promise<RecipientRow[]> {
	return all(RECIPIENTS_PAGE.bind(d1, campaignId, cursor.variant, cursor.afterRowid, limit, throughRowid));
}

/** How far `rows` rows from the cursor reach: the last one, and whether any follow. */
export interface ExportEnd<Key> {
	last: Key;
	more: boolean;
}

/** The `rows`-th link after the cursor in export order and whether more follow (undefined: fewer than `rows` left). */
export async function findRecipientsEnd(
	d1: D1Database,
	campaignId: string,
	cursor: RecipientCursor,
	rows: number,
): Promise<ExportEnd<RecipientCursor> | undefined> {
	const end = cursor.variant === null ? RECIPIENTS_END_FROM_NULL : RECIPIENTS_END_FROM_VARIANT;
	const [last, next] = await all(end.bind(d1, campaignId, cursor.variant, cursor.afterRowid, rows));
	return last && { last: { variant: last.variant, afterRowid: last.rid }, more: next !== undefined };
}

/** The `rows`-th click id after `afterId` and whether more follow (undefined: fewer than `rows` left). */
export async function findClicksEnd(
	d1: D1Database,
	campaignId: string,
	afterId: string,
	rows: number,
): Promise<ExportEnd<string> | undefined> {
	const [last, next] = await all(CLICKS_END.bind(d1, campaignId, afterId, rows));
	return last && { last: last.id, more: next !== undefined };
}

/** The variant after `variant` among the campaign's links (undefined: none left). */
export async function findNextVariant(
	d1: D1Database,
	campaignId: string,
	variant: string | null,
): Promise<string | undefined> {
	const row = await first(
		variant === null ? FIRST_VARIANT.bind(d1, campaignId) : NEXT_VARIANT.bind(d1, campaignId, variant),
	);
	return row?.variant;
}

/** One page of a campaign's raw clicks, after the click id `afterId` ("" for the first page), up to `throughId`. */
export async function readClicksPage(
	d1: D1Database,
	campaignId: string,
	afterId: string,
	throughId: string,
	limit = EXPORT_PAGE_SIZE,
): Promise<ClickExportRow[]> {
	return all(CLICKS_PAGE.bind(d1, campaignId, afterId, limit, throughId));
}
