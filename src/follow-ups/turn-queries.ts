import { all, query, type Statement } from "../db/sql";
import { HOUR_MS } from "../time";
import type { FollowUpCampaign } from "./queries";

// The follow-up cron's rotation. Each run takes campaigns in turns, least recently served first, and only those
// with work: a waiting contact whose retry time has come, or a tap in the run's range with no decision yet (the
// same ranges the candidate reads use, one index seek each). Taking a turn stamps the campaign with the run's
// scheduled time (so a repeated or late run does not take it again) and holds it for a few minutes of wall clock
// (so an overlapping run takes other campaigns), in one UPDATE: of two runs at once, each campaign goes to one.
const TAKE_TURNS = query<
	FollowUpCampaign,
	[now: number, clock: number, holdUntil: number, lookBack: number, limit: number]
>(`
UPDATE campaigns SET follow_up_turn_at = ?1, follow_up_busy_until = ?3
WHERE id IN (
  SELECT c.id FROM campaigns c INDEXED BY campaigns_follow_up_turns
  WHERE c.follow_up_enabled = 1 AND c.follow_up_message IS NOT NULL
    AND (c.follow_up_turn_at IS NULL OR c.follow_up_turn_at < ?1)
    AND (c.follow_up_busy_until IS NULL OR c.follow_up_busy_until <= ?2)
    AND (EXISTS (SELECT 1 FROM follow_ups f INDEXED BY follow_ups_waiting
                 WHERE f.campaign_id = c.id AND f.status = 'waiting' AND f.retry_at <= ?1)
      OR EXISTS (SELECT 1 FROM links l INDEXED BY links_by_first_human_tap
                 LEFT JOIN follow_ups f ON f.campaign_id = l.campaign_id AND f.contact_id = l.contact_id
                 CROSS JOIN contacts ct ON ct.id = l.contact_id
                 WHERE l.campaign_id = c.id AND l.kind = 'campaign' AND l.deleted_at IS NULL
                   AND l.first_human_click_at IS NOT NULL
                   AND l.first_human_click_at BETWEEN
                     max(?1 - (c.follow_up_after_hours + c.follow_up_window_hours) * ${HOUR_MS} - ?4,
                         coalesce(c.follow_up_scanned_until, 0))
                     AND ?1 - c.follow_up_after_hours * ${HOUR_MS}
                   AND f.contact_id IS NULL AND ct.erased_at IS NULL))
  ORDER BY c.follow_up_turn_at, c.id
  LIMIT ?5)
RETURNING id, workspace_id AS workspaceId, follow_up_after_hours AS afterHours,
          follow_up_window_hours AS windowHours, follow_up_message AS message, follow_up_variant AS variant,
          follow_up_origin AS origin,
          (SELECT w.frequency_cap_hours FROM workspaces w WHERE w.id = campaigns.workspace_id) AS frequencyCapHours,
          follow_up_scanned_until AS scannedUntil`);

/** The statement that takes turns, for tests that check its query plan. */
export const TAKE_TURNS_SQL = TAKE_TURNS.sql;

/**
 * Takes the turns of up to `limit` campaigns with follow-up work, least recently served first, and holds them
 * until `holdUntil` (wall clock). Answers them in id order; none when every campaign with work is served or held.
 */
export async function takeTurns(
	d1: D1Database,
	turn: { now: number; clock: number; holdUntil: number; lookBackMs: number; limit: number },
): Promise<FollowUpCampaign[]> {
	if (turn.limit <= 0) return [];
	const rows = await all(TAKE_TURNS.bind(d1, turn.now, turn.clock, turn.holdUntil, turn.lookBackMs, turn.limit));
	return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const END_TURN = query<never, [campaignId: string, mark: number | null, release: number, holdUntil: number]>(
	`UPDATE campaigns SET
	   follow_up_scanned_until = iif(?2 IS NULL, follow_up_scanned_until, max(coalesce(follow_up_scanned_until, ?2), ?2)),
	   follow_up_busy_until = iif(?3 = 1 AND follow_up_busy_until = ?4, NULL, follow_up_busy_until)
	 WHERE id = ?1`,
);

/**
 * After a turn: moves the campaign's scan mark forward to `mark` (never back), and, when the run is done with it,
 * lets it go (only if this run still holds it).
 */
export function endTurn(
	d1: D1Database,
	campaignId: string,
	turn: { mark: number | null; release: boolean; holdUntil: number },
): Statement<never> {
	return END_TURN.bind(d1, campaignId, turn.mark, turn.release ? 1 : 0, turn.holdUntil);
}

const RELEASE_TURNS = query<never, [ids: string, holdUntil: number]>(
	`UPDATE campaigns SET follow_up_busy_until = NULL
	 WHERE id IN (SELECT value FROM json_each(?1)) AND follow_up_busy_until = ?2`,
);

/** Lets go of campaigns the run still held when its budget ran out: the next run can take them at once. */
export function releaseTurns(d1: D1Database, ids: string[], holdUntil: number): Statement<never> {
	return RELEASE_TURNS.bind(d1, JSON.stringify(ids), holdUntil);
}
