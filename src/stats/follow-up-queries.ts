import { type batch, query, type Rows } from "../db/sql";
import { inAttributionWindow, workspaceWindowDays } from "../purchases/attribution-sql";
import { DAY_MS, HOUR_MS } from "../time";
import { DELIVERY_TO_TAP_MS, medianLag, TAPPED_AFTER_DELIVERY } from "./delivery-sql";

/**
 * What the follow-up did for a contact, as the stats compare them:
 *   followedUp  the follow-up was sent (claimed and queued);
 *   heldBack    eligible, but quiet hours or the frequency cap kept it back: still waiting on one of them, or
 *               skipped for good after waiting on one (held_by);
 *   lapsed      eligible, but the window closed with nothing holding it back (the cron did not run in time, or
 *               the sender found the window closed).
 * Other contacts (bought before it could go, opted out) were never eligible: no cohort.
 */
export type Cohort = "followedUp" | "heldBack" | "lapsed";

const COHORT = `CASE WHEN f.status = 'sent' THEN 'followedUp'
  WHEN (CASE f.status WHEN 'waiting' THEN f.reason ELSE f.held_by END) IN ('quiet_hours', 'capped') THEN 'heldBack'
  WHEN f.status = 'skipped' AND f.reason = 'window_passed' THEN 'lapsed' END`;

export type FollowUpDecisionRow = Pick<Rows["followUps"], "status" | "reason"> & {
	cohort: Cohort | null;
	contacts: number;
};

export interface FollowUpMessageRow {
	status: Rows["messages"]["status"];
	messages: number;
	/** Of those, the messages whose follow-up link had a human tap, whatever the receipts said. */
	tapped: number;
}

/** Orders, revenue (minor units) and distinct purchasers per currency; currency "*" carries the totals over all. */
export interface MoneyRow {
	currency: string;
	orders: number;
	revenueMinor: number;
	purchasers: number;
}

export interface FollowUpStatRows {
	decisions: FollowUpDecisionRow[];
	messages: FollowUpMessageRow[];
	deliveredTaps: { tapped: number; timed: number; lagMsSum: number };
	medianDeliveryToTapMs: number | null;
	/** Verified purchases attributed to follow-up links within the workspace's attribution window. */
	purchases: MoneyRow[];
	/** Each cohort's verified purchases from its window's opening, over the attribution window's days. */
	recovery: (MoneyRow & { cohort: Cohort })[];
}

// Decisions, messages, taps and the cohorts start from the campaign's follow_ups rows
// (follow_ups_by_campaign_first_tap, which carries the decision columns), never from the campaign's messages or
// links, which hold far more rows than its follow-ups; the attributed purchases start from the campaign's purchases.
const DECISIONS = query<FollowUpDecisionRow, [campaignId: string]>(`
SELECT f.status, f.reason, ${COHORT} AS cohort, count(*) AS contacts
FROM follow_ups f INDEXED BY follow_ups_by_campaign_first_tap
WHERE f.campaign_id = ?1
GROUP BY f.status, f.reason, cohort`);

// Each follow-up message has one follow_ups row naming it (follow_ups_by_message), cancelled ones included.
const MESSAGES = query<FollowUpMessageRow, [campaignId: string]>(`
SELECT m.status, count(*) AS messages, count(l.first_human_click_at) AS tapped
FROM follow_ups f
CROSS JOIN messages m ON m.id = f.message_id
LEFT JOIN links l ON l.code = m.link_code
WHERE f.campaign_id = ?1
GROUP BY m.status`);

const DELIVERED_TAPS = `
SELECT ${DELIVERY_TO_TAP_MS} AS lag
FROM follow_ups f
CROSS JOIN messages m ON m.id = f.message_id
CROSS JOIN links l ON l.code = m.link_code
WHERE f.campaign_id = ?1 AND ${TAPPED_AFTER_DELIVERY}`;

const DELIVERED_TAP_TOTALS = query<FollowUpStatRows["deliveredTaps"], [campaignId: string]>(
	`SELECT count(*) AS tapped, count(lag) AS timed, coalesce(sum(lag), 0) AS lagMsSum FROM (${DELIVERED_TAPS})`,
);
const MEDIAN_DELIVERY_TO_TAP = query<{ lag: number }, [campaignId: string]>(medianLag(DELIVERED_TAPS));

// The same rule as the campaign's purchases: a purchase that carried the click id counts, one matched to the
// contact's last tap counts when that tap was within the window. Follow-up links are told apart by their kind, not
// their variant label, which a campaign's own links may share or which may have changed since.
const PURCHASES = query<MoneyRow, [campaignId: string, workspaceId: string]>(`
WITH bought AS MATERIALIZED (
  SELECT p.contact_id, p.currency, p.value_minor
  FROM purchases p INDEXED BY purchases_by_campaign
  CROSS JOIN links l ON l.code = p.link_code
  WHERE p.campaign_id = ?1 AND l.kind = 'followup' AND p.verified = 1
    AND ${inAttributionWindow("p", workspaceWindowDays("?2"))})
SELECT currency, count(*) AS orders, sum(value_minor) AS revenueMinor, count(DISTINCT contact_id) AS purchasers
FROM bought GROUP BY currency
UNION ALL
SELECT '*', count(*), 0, count(DISTINCT contact_id) FROM bought`);

// Every verified purchase of the contact, attributed to anything or nothing, from the moment the follow-up could
// first go (first tap + afterHours) for the attribution window's days: the same span for both cohorts, whether or
// not a follow-up went out.
const RECOVERY = query<MoneyRow & { cohort: Cohort }, [campaignId: string, workspaceId: string, afterMs: number]>(`
WITH bought AS MATERIALIZED (
  SELECT g.cohort, p.contact_id, p.currency, p.value_minor
  FROM (SELECT f.contact_id, f.first_tap_at + ?3 AS opens, ${COHORT} AS cohort
        FROM follow_ups f INDEXED BY follow_ups_by_campaign_first_tap WHERE f.campaign_id = ?1) AS g
  CROSS JOIN purchases p INDEXED BY purchases_by_contact ON p.contact_id = g.contact_id
  WHERE g.cohort IN ('followedUp', 'heldBack') AND p.verified = 1
    AND p.occurred_at >= g.opens AND p.occurred_at < g.opens + ${workspaceWindowDays("?2")} * ${DAY_MS})
SELECT cohort, currency, count(*) AS orders, sum(value_minor) AS revenueMinor,
       count(DISTINCT contact_id) AS purchasers
FROM bought GROUP BY cohort, currency
UNION ALL
SELECT cohort, '*', count(*), 0, count(DISTINCT contact_id) FROM bought GROUP BY cohort`);

/** The statements of the follow-up stats, to run in the campaign stats' batch; read their results with followUpStatRows. */
export function followUpStatStatements(d1: D1Database, workspaceId: string, campaignId: string, afterHours: number) {
	return [
		DECISIONS.bind(d1, campaignId),
		MESSAGES.bind(d1, campaignId),
		DELIVERED_TAP_TOTALS.bind(d1, campaignId),
		MEDIAN_DELIVERY_TO_TAP.bind(d1, campaignId),
		PURCHASES.bind(d1, campaignId, workspaceId),
		RECOVERY.bind(d1, campaignId, workspaceId, afterHours * HOUR_MS),
	] as const;
}

type FollowUpStatResults = Awaited<ReturnType<typeof batch<ReturnType<typeof followUpStatStatements>>>>;

export function followUpStatRows([
	decisions,
	messages,
	deliveredTaps,
	median,
	purchases,
	recovery,
]: FollowUpStatResults): FollowUpStatRows {
	const taps = deliveredTaps.results[0];
	return {
		decisions: decisions.results,
		messages: messages.results,
		deliveredTaps: { tapped: taps?.tapped ?? 0, timed: taps?.timed ?? 0, lagMsSum: taps?.lagMsSum ?? 0 },
		medianDeliveryToTapMs: median.results[0]?.lag ?? null,
		purchases: purchases.results,
		recovery: recovery.results,
	};
}
