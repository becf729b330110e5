import { type ClickRow, toClickRow } from "../clicks/click-row";
import { recordClicks } from "../clicks/queries";
import { EventMessage } from "./messages";

// Capped exponential backoff for messages whose write failed: 10 s, 20 s, 40 s … up to 10 minutes.
export function retryDelaySeconds(attempts: number): number {
	return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

interface Parsed {
	message: Message<unknown>;
	rows: ClickRow[];
}

/**
 * The events queue consumer. Valid messages are written together in one D1 batch; if that batch fails, each message
 * is tried alone so one bad message cannot hold the others back, and whatever still fails is retried with backoff
 * (after max_retries Cloudflare moves it to the dead-letter queue). Messages that can never be valid go to the
 * dead-letter queue at once.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const parsed: Parsed[] = [];
	for (const message of batch.messages) {
		const event = EventMessage.safeParse(message.body);
		if (event.success) {
			parsed.push({ message, rows: event.data.taps.map(toClickRow) });
		} else {
			await deadLetter(env, message, event.error.issues[0]?.message ?? "invalid message");
		}
	}
	if (parsed.length === 0) return;

	try {
		await recordClicks(
			env.DB,
			parsed.flatMap((p) => p.rows),
		);
		for (const p of parsed) p.message.ack();
		return;
	} catch (err) {
		if (parsed.length === 1) {
			retry(parsed[0] as Parsed, err);
			return;
		}
	}
	for (const p of parsed) {
		try {
			await recordClicks(env.DB, p.rows);
			p.message.ack();
		} catch (err) {
			retry(p, err);
		}
	}
}

function retry({ message }: Parsed, err: unknown): void {
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
