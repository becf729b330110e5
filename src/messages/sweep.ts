import { HOUR_MS, MINUTE_MS } from "../time";
import { sweepStalled, touchPending } from "./queries";
import { queueSends, sendRequest } from "./send-envelope";

// Longer than any delay a send is queued with (12 hours): a message pending this long has no queue message left
// (its retries ran out into the dead-letter queue, or the request that claimed it could not queue it).
export const STALLED_PENDING_MS = 13 * HOUR_MS;
// A provider call answers or times out within seconds; a message claimed this long ago lost its sender.
export const STALLED_SUBMITTING_MS = 15 * MINUTE_MS;
const SWEEP_LIMIT = 1000;
// One sendBatch (at most 100 messages): what went out is known batch by batch.
const QUEUE_CHUNK = 100;

/**
 * The cron's safety net for sends, so that no message stays stuck: pending messages that nothing will deliver are
 * queued again (the claim makes a duplicate harmless), and messages whose provider call died mid-way become
 * `unknown`, as a timeout would (Twilio may have sent them: never resent blindly). A page of each per run.
 *
 * A pending message is touched (not stalled for another 13 hours) only after its queue batch went out: when the
 * queue fails, or the run dies, between the read and the touch, the next run finds it again and queues it. The
 * cost of that order is a duplicate queue message (two overlapping runs, or a touch that failed), which the send
 * consumer's claim (pending → submitting, one winner) turns into one SMS.
 */
export async function sweepStalledSends(env: Env, now: number): Promise<{ requeued: number; unknown: number }> {
	const { pending: ids, unknown } = await sweepStalled(env.DB, now, {
		pendingBefore: now - STALLED_PENDING_MS,
		submittingBefore: now - STALLED_SUBMITTING_MS,
		limit: SWEEP_LIMIT,
	});
	const queued: string[] = [];
	try {
		for (let i = 0; i < ids.length; i += QUEUE_CHUNK) {
			const chunk = ids.slice(i, i + QUEUE_CHUNK);
			await queueSends(
				env.SENDS,
				chunk.map((id) => sendRequest(id)),
			);
			queued.push(...chunk);
		}
	} finally {
		// Also when a later batch failed: those that went out are looked after by their queue message.
		if (queued.length > 0) await touchPending(env.DB, queued, now).run();
	}
	return { requeued: queued.length, unknown };
}
