import { queueSends, sendRequest } from "./send-envelope";

// Longer than any delay a send is queued with (12 hours): a message pending this long has no queue message left
// (its retries ran out into the dead-letter queue, or the request that claimed it could not queue it).
export const STALLED_PENDING_MS = 13 * 60 * 60 * 1000;
// A provider call answers or times out within seconds; a message claimed this long ago lost its sender.
export const STALLED_SUBMITTING_MS = 15 * 60 * 1000;
const SWEEP_LIMIT = 1000;

/**
 * The cron's safety net for sends, so that no message stays stuck: pending messages that nothing will deliver are
 * queued again (the claim makes a duplicate harmless), and messages whose provider call died mid-way become
 * `unknown`, as a timeout would (Twilio may have sent them: never resent blindly). A page of each per run.
 */
export async function sweepStalledSends(env: Env, now: number): Promise<{ requeued: number; unknown: number }> {
	const [pending, stalled] = await env.DB.batch<{ id: string }>([
		env.DB.prepare(
			`UPDATE messages SET updated_at = ?1
			 WHERE id IN (SELECT id FROM messages INDEXED BY messages_pending_since
			              WHERE status = 'pending' AND updated_at < ?2 ORDER BY updated_at LIMIT ?3)
			 RETURNING id`,
		).bind(now, now - STALLED_PENDING_MS, SWEEP_LIMIT),
		env.DB.prepare(
			`UPDATE messages SET status = 'unknown', unknown_at = ?1, error_code = 'stalled', updated_at = ?1
			 WHERE id IN (SELECT id FROM messages INDEXED BY messages_submitting_since
			              WHERE status = 'submitting' AND updated_at < ?2 ORDER BY updated_at LIMIT ?3)
			 RETURNING id`,
		).bind(now, now - STALLED_SUBMITTING_MS, SWEEP_LIMIT),
	]);
	const ids = (pending?.results ?? []).map((r) => r.id);
	await queueSends(
		env.SENDS,
		ids.map((id) => sendRequest(id)),
	);
	return { requeued: ids.length, unknown: stalled?.results.length ?? 0 };
}
