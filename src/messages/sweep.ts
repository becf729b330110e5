import { HOUR_MS, MINUTE_MS } from "../time";
import { sweepStalled } from "./queries";
import { queueSends, sendRequest } from "./send-envelope";

// Longer than any delay a send is queued with (12 hours): a message pending this long has no queue message left
// (its retries ran out into the dead-letter queue, or the request that claimed it could not queue it).
export const STALLED_PENDING_MS = 13 * HOUR_MS;
// A provider call answers or times out within seconds; a message claimed this long ago lost its sender.
export const STALLED_SUBMITTING_MS = 15 * MINUTE_MS;
const SWEEP_LIMIT = 1000;

/**
 * The cron's safety net for sends, so that no message stays stuck: pending messages that nothing will deliver are
 * queued again (the claim makes a duplicate harmless), and messages whose provider call died mid-way become
 * `unknown`, as a timeout would (Twilio may have sent them: never resent blindly). A page of each per run.
 */
export async function sweepStalledSends(env: Env, now: number): Promise<{ requeued: number; unknown: number }> {
	const { pending: ids, unknown } = await sweepStalled(env.DB, now, {
		pendingBefore: now - STALLED_PENDING_MS,
		submittingBefore: now - STALLED_SUBMITTING_MS,
		limit: SWEEP_LIMIT,
	});
	await queueSends(
		env.SENDS,
		ids.map((id) => sendRequest(id)),
	);
	return { requeued: ids.length, unknown };
}
