// Cloudflare Queues limits: a message is at most 128 KB, a sendBatch at most 100 messages and 256 KB.
const MAX_BATCH_MESSAGES = 100;
// Below 256 KB with room for the per-message overhead Queues adds.
const MAX_BATCH_BYTES = 200_000;

/**
 * Sends messages in as few sendBatch calls as the limits allow. A failure is thrown after the batches before it
 * went out: callers make their messages safe to send again, and repeat.
 */
export async function sendInBatches<Body>(queue: Queue, messages: MessageSendRequest<Body>[]): Promise<void> {
	let batch: MessageSendRequest<Body>[] = [];
	let bytes = 0;
	for (const message of messages) {
		const size = JSON.stringify(message.body).length + 100;
		if (batch.length > 0 && (batch.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES)) {
			await queue.sendBatch(batch);
			batch = [];
			bytes = 0;
		}
		batch.push(message);
		bytes += size;
	}
	if (batch.length > 0) await queue.sendBatch(batch);
}
