import { type ClickRow, toClickRow } from "../clicks/click-row";
import { recordClicks } from "../clicks/queries";
import { EventMessage } from "./messages";

// Capped exponential backoff for messages whose write failed: 10 s, 20 s, 40 s … up to 10 minutes.
export function retryDelaySeconds(attempts: number): number {
	return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

interface Pending<Row> {
	message: Message<unknown>;
	rows: Row[];
}

/**
 * The events queue consumer. Messages are validated (the ones that can never be valid go to the dead-letter queue
 * at once), and the valid ones of each kind are written together in one D1 batch. Every message ends acked or
 * retried with backoff; after max_retries Cloudflare moves a message to the dead-letter queue.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const taps: Pending<ClickRow>[] = [];
	for (const message of batch.messages) {
		const event = EventMessage.safeParse(message.body);
		if (!event.success) {
			await deadLetter(env, message, event.error.issues[0]?.message ?? "invalid message");
			continue;
		}
		try {
			taps.push({ message, rows: event.data.taps.map(toClickRow) });
		} catch (err) {
			retry(message, err);
		}
	}
	await writeTogether(taps, (rows) => recordClicks(env.DB, rows));
}

/**
 * Writes the rows of all messages in one call. When that fails, a message on its first attempt is retried later
 * (most failures pass: an overloaded or restarting database); a message that has failed before is written alone,
 * so one message that can never be written cannot keep failing the batches of the others.
 */
async function writeTogether<Row>(pending: Pending<Row>[], write: (rows: Row[]) => Promise<unknown>): Promise<void> {
	if (pending.length === 0) return;
	try {
		await write(pending.flatMap((p) => p.rows));
		for (const p of pending) p.message.ack();
		return;
	} catch (err) {
		if (pending.length === 1) {
			retry((pending[0] as Pending<Row>).message, err);
			return;
		}
		for (const p of pending) if (p.message.attempts <= 1) retry(p.message, err);
	}
	for (const p of pending) {
		if (p.message.attempts <= 1) continue;
		try {
			await write(p.rows);
			p.message.ack();
		} catch (err) {
			retry(p.message, err);
		}
	}
}

function retry(message: Message<unknown>, err: unknown): void {
	const delaySeconds = retryDelaySeconds(message.attempts);
	console.error(
		JSON.stringify({
			msg: "event write failed; retrying",
			id: message.id,
			attempts: message.attempts,
			delaySeconds,
			error: String(err),
		}),
	);
	message.retry({ delaySeconds });
}

async function deadLetter(env: Env, message: Message<unknown>, reason: string): Promise<void> {
	try {
		await env.DEAD_LETTERS.send({ reason, id: message.id, body: message.body }, { contentType: "json" });
		console.error(JSON.stringify({ msg: "poison message sent to the dead-letter queue", id: message.id, reason }));
		message.ack();
	} catch (err) {
		console.error(JSON.stringify({ msg: "dead-letter send failed; retrying", id: message.id, error: String(err) }));
		message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
	}
}
