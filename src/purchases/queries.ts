import { ATTRIBUTION_WINDOWS } from "../db/schema";
import { all, batch, query, type Rows } from "../db/sql";
import type { ClickFacts } from "./attribution";
import { inAttributionWindow } from "./attribution-sql";
import type { PurchaseEvent } from "./purchase-event";

/** What the consumer needs to know before it can attribute a batch of purchases: one round trip of reads. */
export interface PurchaseContext {
	workspaces: Set<string>;
	seenWebhooks: Set<string>;
	clicks: Map<string, ClickFacts & { workspaceId: string }>;
	contactsByPhone: Map<string, string>;
	contactsByExternalId: Map<string, string>;
	knownContactIds: Set<string>;
	/** How many pixel purchases already name each click id. */
	pixelOrdersByClick: Map<string, number>;
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
const CARRIED_CLICKS = query<ClickFacts & Pick<Rows["clicks"], "workspaceId">, Events>(
	`SELECT c.id, c.workspace_id AS workspaceId, c.campaign_id AS campaignId, c.link_code AS linkCode,
	        c.contact_id AS contactId, c.variant, c.clicked_at AS clickedAt
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

export async function loadPurchaseContext(d1: D1Database, events: PurchaseEvent[]): Promise<PurchaseContext> {
	const json = JSON.stringify(events);
	const [workspaces, webhooks, clicks, byPhone, byExternalId, byId, pixelOrders] = await batch(d1, [
		WORKSPACES.bind(d1, json),
		SEEN_WEBHOOKS.bind(d1, json),
		CARRIED_CLICKS.bind(d1, json),
		CONTACTS_BY_PHONE.bind(d1, json),
		CONTACTS_BY_EXTERNAL_ID.bind(d1, json),
		CONTACTS_BY_ID.bind(d1, json),
		PIXEL_ORDERS_BY_CLICK.bind(d1, json),
	]);
	return {
		workspaces: new Set(workspaces.results.map((r) => r.id)),
		seenWebhooks: new Set(webhooks.results.map((r) => key(r.w, r.id))),
		clicks: new Map(clicks.results.map((r) => [r.id, r])),
		contactsByPhone: new Map(byPhone.results.map((r) => [key(r.w, r.k), r.id])),
		contactsByExternalId: new Map(byExternalId.results.map((r) => [key(r.w, r.k), r.id])),
		knownContactIds: new Set(byId.results.map((r) => key(r.w, r.id))),
		pixelOrdersByClick: new Map(pixelOrders.results.map((r) => [r.id, r.n])),
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
// The value of an order: the first report wins, except that a trusted report (server API, signed webhook)
// replaces one that came only from the unsigned pixel.
const UPGRADE = "(purchases.source = 'pixel' AND excluded.source <> 'pixel')";
// The attribution of an order: the best one reported wins, whoever reported it; a carried click id beats a last-tap
// match, which beats none. The attribution columns always move together, contact included.
const BETTER = `(${RANK("excluded")} > ${RANK("purchases")})`;

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
  source = iif(${UPGRADE}, excluded.source, purchases.source),
  value_minor = iif(${UPGRADE}, excluded.value_minor, purchases.value_minor),
  currency = iif(${UPGRADE}, excluded.currency, purchases.currency),
  occurred_at = iif(${UPGRADE}, excluded.occurred_at, purchases.occurred_at),
  click_id = iif(${BETTER}, excluded.click_id, purchases.click_id),
  campaign_id = iif(${BETTER}, excluded.campaign_id, purchases.campaign_id),
  link_code = iif(${BETTER}, excluded.link_code, purchases.link_code),
  variant = iif(${BETTER}, excluded.variant, purchases.variant),
  attributed_by = iif(${BETTER}, excluded.attributed_by, purchases.attributed_by),
  click_at = iif(${BETTER}, excluded.click_at, purchases.click_at),
  lag_ms = iif(${BETTER}, excluded.lag_ms, purchases.lag_ms),
  contact_id = iif(${BETTER}, excluded.contact_id, coalesce(purchases.contact_id, excluded.contact_id)),
  verified = max(excluded.verified, purchases.verified)
WHERE ${UPGRADE} OR ${BETTER}`);

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

// A verified purchase moves its contact to "purchase", a second one to "retention"; never backwards.
const ADVANCE_CONTACT_STAGES = query<never, [purchases: string]>(`
UPDATE contacts SET stage = iif(
  (SELECT count(*) FROM purchases p WHERE p.contact_id = contacts.id AND p.verified = 1) >= 2, 'retention', 'purchase')
WHERE id IN (SELECT json_extract(value, '$.contactId') FROM json_each(?1))
  AND coalesce(stage, '') <> 'retention'
  AND EXISTS (SELECT 1 FROM purchases p WHERE p.contact_id = contacts.id AND p.verified = 1)`);

const CLEAR_CAMPAIGN_PURCHASE_STATS = query<never, []>(
	"DELETE FROM campaign_purchase_stats WHERE campaign_id IN (SELECT campaign_id FROM purchase_stat_rebuilds)",
);

const FORGET_REBUILDS = query<never, []>("DELETE FROM purchase_stat_rebuilds");

// Rebuilt from the campaign's purchases rather than incremented: a pixel report replaced by a trusted one can
// change value, currency and attribution, and a rebuild is right whatever changed. A purchase that carried its
// click id counts under every window; one matched to the last tap counts under the windows its lag fits.
const REBUILD_CAMPAIGN_PURCHASE_STATS = query<never, [windows: string]>(`
INSERT INTO campaign_purchase_stats (campaign_id, window_days, variant, currency, orders, revenue_minor, purchasers)
SELECT p.campaign_id, w.value, coalesce(p.variant, ''), p.currency, count(*), sum(p.value_minor),
       count(DISTINCT p.contact_id)
FROM purchases p INDEXED BY purchases_by_campaign CROSS JOIN json_each(?1) AS w
WHERE p.campaign_id IN (SELECT campaign_id FROM purchase_stat_rebuilds)
  AND ${inAttributionWindow("p", "w.value")}
GROUP BY p.campaign_id, w.value, coalesce(p.variant, ''), p.currency
UNION ALL
SELECT p.campaign_id, w.value, coalesce(p.variant, ''), '*', count(*), 0, count(DISTINCT p.contact_id)
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
