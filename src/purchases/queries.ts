import { ATTRIBUTION_WINDOWS } from "../db/schema";
import { all, batch, query, type Rows } from "../db/sql";
import type { ClickFacts } from "./attribution";
import { countsAsPurchase, inAttributionWindow } from "./attribution-sql";
import type { PurchaseEvent } from "./purchase-event";

/** What the consumer needs to know before it can attribute a batch of purchases: one round trip of reads. */
export interface PurchaseContext {
	workspaces: Set<string>;
	seenWebhooks: Set<string>;
	clicks: Map<string, ClickFacts & Pick<Rows["clicks"], "workspaceId" | "human">>;
	contactsByPhone: Map<string, string>;
	contactsByExternalId: Map<string, string>;
	knownContactIds: Set<string>;
	/** How many pixel purchases already name each click id. */
	pixelOrdersByClick: Map<string, number>;
	/**
	 * For each pixel event (by its index) naming a stored click: how many pixel orders were credited to a campaign
	 * in the hour up to the event's arrival, for the click's contact and for the workspace. Its own order is left
	 * out, so a redelivered report counts the same as the first time.
	 */
	pixelCredits: Map<number, { contact: number; workspace: number }>;
}

const key = (...parts: (string | null)[]) => parts.join("\u0000");

type Events = [events: string];
type Keyed = { w: string; k: string | null; id: string };
// Each read takes the batch's events as one JSON parameter (D1 binds at most 100) and joins them to one index.
const WORKSPACES = query<Pick<Rows["workspaces"], "id">, Events>(
	`SELECT id FROM workspaces WHERE id IN (SELECT json_extract(value, '$.workspaceId') FROM json_each(?1))`,
);
const SEEN_WEBHOOKS = query<Omit<Keyed, "k">, Events>(
	`SELECT r.workspace_id AS w, r.webhook_id AS id FROM json_each(?1) j
	 CROSS JOIN webhook_receipts r ON r.workspace_id = json_extract(j.value, '$.workspaceId')
	   AND r.provider = json_extract(j.value, '$.source') AND r.webhook_id = json_extract(j.value, '$.webhookId')`,
);
const CARRIED_CLICKS = query<ClickFacts & Pick<Rows["clicks"], "workspaceId" | "human">, Events>(
	`SELECT c.id, c.workspace_id AS workspaceId, c.campaign_id AS campaignId, c.link_code AS linkCode,
	        c.contact_id AS contactId, c.variant, c.clicked_at AS clickedAt, c.human
	 FROM json_each(?1) j CROSS JOIN clicks c ON c.id = json_extract(j.value, '$.tlid')`,
);
const CONTACTS_BY_PHONE = query<Keyed, Events>(
	`SELECT c.workspace_id AS w, c.phone AS k, c.id FROM json_each(?1) j
	 CROSS JOIN contacts c ON c.workspace_id = json_extract(j.value, '$.workspaceId')
	   AND c.phone = json_extract(j.value, '$.phone')`,
);
const CONTACTS_BY_EXTERNAL_ID = query<Keyed, Events>(
	`SELECT c.workspace_id AS w, c.external_id AS k, max(c.id) AS id FROM json_each(?1) j
	 CROSS JOIN contacts c ON c.workspace_id = json_extract(j.value, '$.workspaceId')
	   AND c.external_id = json_extract(j.value, '$.externalId')
	 GROUP BY c.workspace_id, c.external_id`,
);
const CONTACTS_BY_ID = query<Omit<Keyed, "k">, Events>(
	`SELECT c.workspace_id AS w, c.id FROM json_each(?1) j
	 CROSS JOIN contacts c ON c.id = json_extract(j.value, '$.contactId')`,
);
const PIXEL_ORDERS_BY_CLICK = query<{ id: string; n: number }, Events>(
	`SELECT click_id AS id, count(*) AS n FROM purchases
	 WHERE click_id IN (SELECT json_extract(value, '$.tlid') FROM json_each(?1)) AND source = 'pixel'
	 GROUP BY click_id`,
);

// Credited pixel orders in the cap's window, per event: the contact's through purchases_by_contact, the
// workspace's through the partial index that holds only credited pixel orders.
const CREDITED = "p.source = 'pixel' AND p.campaign_id IS NOT NULL";
const IN_CAP_WINDOW = `p.received_at > json_extract(j.value, '$.receivedAt') - ?2
	    AND p.received_at <= json_extract(j.value, '$.receivedAt')
	    AND NOT (p.workspace_id = json_extract(j.value, '$.workspaceId') AND p.order_id = json_extract(j.value, '$.orderId'))`;
const PIXEL_CREDITS = query<{ i: number; contact: number; workspace: number }, [events: string, windowMs: number]>(
	`SELECT j.key AS i,
	   (SELECT count(*) FROM purchases p INDEXED BY purchases_by_contact
	    WHERE p.contact_id = c.contact_id AND ${CREDITED} AND ${IN_CAP_WINDOW}) AS contact,
	   (SELECT count(*) FROM purchases p INDEXED BY purchases_credited_pixel_by_workspace
	    WHERE p.workspace_id = json_extract(j.value, '$.workspaceId') AND ${CREDITED} AND ${IN_CAP_WINDOW}) AS workspace
	 FROM json_each(?1) j CROSS JOIN clicks c ON c.id = json_extract(j.value, '$.tlid')
	 WHERE json_extract(j.value, '$.source') = 'pixel'`,
);

/** The window of the pixel's per-contact and per-workspace caps. */
export const PIXEL_CAP_WINDOW_MS = 60 * 60_000;

export async function loadPurchaseContext(d1: D1Database, events: PurchaseEvent[]): Promise<PurchaseContext> {
	const json = JSON.stringify(events);
	const [workspaces, webhooks, clicks, byPhone, byExternalId, byId, pixelOrders, credits] = await batch(d1, [
		WORKSPACES.bind(d1, json),
		SEEN_WEBHOOKS.bind(d1, json),
		CARRIED_CLICKS.bind(d1, json),
		CONTACTS_BY_PHONE.bind(d1, json),
		CONTACTS_BY_EXTERNAL_ID.bind(d1, json),
		CONTACTS_BY_ID.bind(d1, json),
		PIXEL_ORDERS_BY_CLICK.bind(d1, json),
		PIXEL_CREDITS.bind(d1, json, PIXEL_CAP_WINDOW_MS),
	]);
	return {
		workspaces: new Set(workspaces.results.map((r) => r.id)),
		seenWebhooks: new Set(webhooks.results.map((r) => key(r.w, r.id))),
		clicks: new Map(clicks.results.map((r) => [r.id, r])),
		contactsByPhone: new Map(byPhone.results.map((r) => [key(r.w, r.k), r.id])),
		contactsByExternalId: new Map(byExternalId.results.map((r) => [key(r.w, r.k), r.id])),
		knownContactIds: new Set(byId.results.map((r) => key(r.w, r.id))),
		pixelOrdersByClick: new Map(pixelOrders.results.map((r) => [r.id, r.n])),
		pixelCredits: new Map(credits.results.map(({ i, ...n }) => [i, n])),
	};
}

export function webhookKey(workspaceId: string, webhookId: string): string {
	return key(workspaceId, webhookId);
}

export function contactKey(workspaceId: string, value: string): string {
	return key(workspaceId, value);
}

const LAST_HUMAN_CLICKS = query<ClickFacts & { i: number }, [lookups: string, sinceMs: number]>(
	`SELECT j.key AS i, c.id, c.campaign_id AS campaignId, c.link_code AS linkCode, c.contact_id AS contactId,
	        c.variant, c.clicked_at AS clickedAt
	 FROM json_each(?1) j
	 CROSS JOIN clicks c ON c.id = (
	   SELECT id FROM clicks
	   WHERE contact_id = json_extract(j.value, '$.contactId') AND human = 1
	     AND clicked_at <= json_extract(j.value, '$.at') AND clicked_at >= json_extract(j.value, '$.at') - ?2
	   ORDER BY clicked_at DESC LIMIT 1)`,
);

/** The last human tap of each contact before the given moment and within `sinceMs` of it, in one statement. */
export async function findLastHumanClicks(
	d1: D1Database,
	lookups: { contactId: string; at: number }[],
	sinceMs: number,
): Promise<(ClickFacts | null)[]> {
	if (lookups.length === 0) return [];
	const results = await all(LAST_HUMAN_CLICKS.bind(d1, JSON.stringify(lookups), sinceMs));
	const found = new Map(results.map(({ i, ...click }) => [i, click]));
	return lookups.map((_, i) => found.get(i) ?? null);
}

/** A purchase as the consumer writes it, with the webhook that reported it (kept to drop a redelivered one). */
export type PurchaseRow = Rows["purchases"] & { webhookId: string | null };

const RANK = (row: string) => `CASE ${row}.attributed_by WHEN 'click_id' THEN 2 WHEN 'last_click' THEN 1 ELSE 0 END`;
// A trusted report (server API, signed webhook) of an order known only from the unsigned pixel replaces it whole:
// value, currency, time and attribution. The pixel's report neither blocks nor shapes it, so an order id squatted
// through the pixel (with a click of the squatter's choosing) ends up as the shop reported it.
const REPLACE = "(purchases.source = 'pixel' AND excluded.source <> 'pixel')";
// Otherwise the first report's value stays, and the best attribution reported wins: a carried click id beats a
// last-tap match, which beats none; the attribution columns always move together, contact included. A pixel report
// never changes an order a trusted report made.
const BETTER = `(${RANK("excluded")} > ${RANK("purchases")} AND NOT (purchases.source <> 'pixel' AND excluded.source = 'pixel'))`;
const TAKE = `(${REPLACE} OR ${BETTER})`;

const UPSERT_PURCHASES = query<never, [purchases: string]>(`
INSERT INTO purchases (id, workspace_id, order_id, source, value_minor, currency, occurred_at, received_at, click_id,
                       campaign_id, link_code, contact_id, variant, attributed_by, click_at, lag_ms, verified)
SELECT json_extract(value, '$.id'), json_extract(value, '$.workspaceId'), json_extract(value, '$.orderId'),
       json_extract(value, '$.source'), json_extract(value, '$.valueMinor'), json_extract(value, '$.currency'),
       json_extract(value, '$.occurredAt'), json_extract(value, '$.receivedAt'), json_extract(value, '$.clickId'),
       json_extract(value, '$.campaignId'), json_extract(value, '$.linkCode'), json_extract(value, '$.contactId'),
       json_extract(value, '$.variant'), json_extract(value, '$.attributedBy'), json_extract(value, '$.clickAt'),
       json_extract(value, '$.lagMs'), json_extract(value, '$.verified')
FROM json_each(?1) WHERE true
ON CONFLICT (workspace_id, order_id) DO UPDATE SET
  source = iif(${REPLACE}, excluded.source, purchases.source),
  value_minor = iif(${REPLACE}, excluded.value_minor, purchases.value_minor),
  currency = iif(${REPLACE}, excluded.currency, purchases.currency),
  occurred_at = iif(${REPLACE}, excluded.occurred_at, purchases.occurred_at),
  received_at = iif(${REPLACE}, excluded.received_at, purchases.received_at),
  click_id = iif(${TAKE}, excluded.click_id, purchases.click_id),
  campaign_id = iif(${TAKE}, excluded.campaign_id, purchases.campaign_id),
  link_code = iif(${TAKE}, excluded.link_code, purchases.link_code),
  variant = iif(${TAKE}, excluded.variant, purchases.variant),
  attributed_by = iif(${TAKE}, excluded.attributed_by, purchases.attributed_by),
  click_at = iif(${TAKE}, excluded.click_at, purchases.click_at),
  lag_ms = iif(${TAKE}, excluded.lag_ms, purchases.lag_ms),
  contact_id = iif(${TAKE}, excluded.contact_id, coalesce(purchases.contact_id, excluded.contact_id)),
  verified = iif(${REPLACE}, excluded.verified, max(excluded.verified, purchases.verified))
WHERE ${TAKE}`);

// The campaigns an order is attributed to, before and after the upsert, are collected in the same transaction.
const NOTE_CAMPAIGNS_OF_ORDERS = query<never, [purchases: string]>(`
INSERT OR IGNORE INTO purchase_stat_rebuilds (campaign_id)
SELECT p.campaign_id FROM json_each(?1) j
CROSS JOIN purchases p ON p.workspace_id = json_extract(j.value, '$.workspaceId')
  AND p.order_id = json_extract(j.value, '$.orderId')
WHERE p.campaign_id IS NOT NULL`);

const RECORD_WEBHOOKS = query<never, [purchases: string]>(`
INSERT INTO webhook_receipts (workspace_id, provider, webhook_id, received_at)
SELECT json_extract(value, '$.workspaceId'), json_extract(value, '$.source'), json_extract(value, '$.webhookId'),
       json_extract(value, '$.receivedAt')
FROM json_each(?1) WHERE json_extract(value, '$.webhookId') IS NOT NULL
ON CONFLICT DO NOTHING`);

// A purchase that counts under the workspace's setting moves its contact to "purchase", a second one to
// "retention"; never backwards.
const ADVANCE_CONTACT_STAGES = query<never, [purchases: string]>(`
UPDATE contacts SET stage = iif(
  (SELECT count(*) FROM purchases p WHERE p.contact_id = contacts.id AND ${countsAsPurchase("p")}) >= 2,
  'retention', 'purchase')
WHERE id IN (SELECT json_extract(value, '$.contactId') FROM json_each(?1))
  AND coalesce(stage, '') <> 'retention'
  AND EXISTS (SELECT 1 FROM purchases p WHERE p.contact_id = contacts.id AND ${countsAsPurchase("p")})`);

const CLEAR_CAMPAIGN_PURCHASE_STATS = query<never, []>(
	"DELETE FROM campaign_purchase_stats WHERE campaign_id IN (SELECT campaign_id FROM purchase_stat_rebuilds)",
);

const FORGET_REBUILDS = query<never, []>("DELETE FROM purchase_stat_rebuilds");

// Rebuilt from the campaign's purchases rather than incremented: a pixel report replaced by a trusted one can
// change value, currency and attribution, and a rebuild is right whatever changed. A purchase counts under the
// windows its lag fits, whether it carried its click id or was matched to the last tap. The pixel_* columns hold
// the part only the unsigned pixel reported.
const PIXEL = "p.source = 'pixel'";
const REBUILD_CAMPAIGN_PURCHASE_STATS = query<never, [windows: string]>(`
INSERT INTO campaign_purchase_stats (campaign_id, window_days, variant, currency, orders, revenue_minor, purchasers,
                                     pixel_orders, pixel_revenue_minor, pixel_purchasers)
SELECT p.campaign_id, w.value, coalesce(p.variant, ''), p.currency, count(*), sum(p.value_minor),
       count(DISTINCT p.contact_id), sum(${PIXEL}), sum(iif(${PIXEL}, p.value_minor, 0)),
       count(DISTINCT iif(${PIXEL}, p.contact_id, NULL))
FROM purchases p INDEXED BY purchases_by_campaign CROSS JOIN json_each(?1) AS w
WHERE p.campaign_id IN (SELECT campaign_id FROM purchase_stat_rebuilds)
  AND ${inAttributionWindow("p", "w.value")}
GROUP BY p.campaign_id, w.value, coalesce(p.variant, ''), p.currency
UNION ALL
SELECT p.campaign_id, w.value, coalesce(p.variant, ''), '*', count(*), 0, count(DISTINCT p.contact_id), sum(${PIXEL}),
       0, count(DISTINCT iif(${PIXEL}, p.contact_id, NULL))
FROM purchases p INDEXED BY purchases_by_campaign CROSS JOIN json_each(?1) AS w
WHERE p.campaign_id IN (SELECT campaign_id FROM purchase_stat_rebuilds)
  AND ${inAttributionWindow("p", "w.value")}
GROUP BY p.campaign_id, w.value, coalesce(p.variant, '')`);

/** An order as stored after a batch: what the purchase.attributed webhook reports. */
export type StoredPurchase = Omit<Rows["purchases"], "id" | "receivedAt" | "clickAt" | "lagMs">;

const STORED_ORDERS = query<StoredPurchase, [purchases: string]>(`
SELECT p.workspace_id AS workspaceId, p.order_id AS orderId, p.source, p.value_minor AS valueMinor, p.currency,
       p.occurred_at AS occurredAt, p.click_id AS clickId, p.campaign_id AS campaignId, p.link_code AS linkCode,
       p.contact_id AS contactId, p.variant, p.attributed_by AS attributedBy, p.verified
FROM (SELECT DISTINCT json_extract(value, '$.workspaceId') AS w, json_extract(value, '$.orderId') AS o FROM json_each(?1)) j
CROSS JOIN purchases p ON p.workspace_id = j.w AND p.order_id = j.o`);

/** Writes the purchases and their aggregates in one transaction; answers the orders as stored after it. */
export async function recordPurchases(d1: D1Database, rows: PurchaseRow[]): Promise<StoredPurchase[]> {
	if (rows.length === 0) return [];
	const json = JSON.stringify(rows);
	const results = await batch(d1, [
		NOTE_CAMPAIGNS_OF_ORDERS.bind(d1, json),
		UPSERT_PURCHASES.bind(d1, json),
		NOTE_CAMPAIGNS_OF_ORDERS.bind(d1, json),
		RECORD_WEBHOOKS.bind(d1, json),
		ADVANCE_CONTACT_STAGES.bind(d1, json),
		CLEAR_CAMPAIGN_PURCHASE_STATS.bind(d1),
		REBUILD_CAMPAIGN_PURCHASE_STATS.bind(d1, JSON.stringify(ATTRIBUTION_WINDOWS)),
		FORGET_REBUILDS.bind(d1),
		STORED_ORDERS.bind(d1, json),
	]);
	return results[8].results;
}
