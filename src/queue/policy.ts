import { z } from "zod";
import { retryDelaySeconds } from "./backoff";
import { defineEnvelope } from "./envelope";

/**
 * What a consumer puts on its dead-letter queue when it gives up on a message at once (poison): the message's body
 * untouched, the queue it came from, its id there and why. A message Cloudflare moves there after max_retries
 * arrives as its bare body instead.
 */
export const DeadLetterEnvelope = defineEnvelope("dead_letter", 1, {
	reason: z.string(),
	queue: z.string(),
	id: z.string(),
	body: z.unknown(),
});
export type DeadLetterEnvelope = z.output<typeof DeadLetterEnvelope.schema>;

/** A queue message whose body passed its envelope's schema. */
export interface Received<Body> {
	message: Message<unknown>;
	body: Body;
}

/**
 * The one bad-message policy of every consumer. Each message is validated against the queue's envelope schema; a
 * message that can never be valid (poison) is moved to the queue's dead-letter queue with a log line, and acked only
 * once it is there. It is never acked away: if the dead-letter send fails, the message is retried, and after
 * max_retries Cloudflare moves it to the same dead-letter queue.
 */
export async function receive<Schema extends z.ZodType>(
	batch: MessageBatch<unknown>,
	schema: Schema,
	deadLetters: Queue,
): Promise<Received<z.output<Schema>>[]> {
	const received: Received<z.output<Schema>>[] = [];
	for (const message of batch.messages) {
		const parsed = schema.safeParse(message.body);
		if (parsed.success) received.push({ message, body: parsed.data });
		else await deadLetter(deadLetters, batch.queue, message, parsed.error.issues[0]?.message ?? "invalid message");
	}
	return received;
}

/** Moves one message to the dead-letter queue now, with the reason; retried later if that send fails. */
export async function deadLetter(
	deadLetters: Queue,
	queue: string,
	message: Message<unknown>,
	reason: string,
): Promise<void> {
	try {
		await deadLetters.send(DeadLetterEnvelope.wrap({ reason, queue, id: message.id, body: message.body }), {
			contentType: "json",
		});
		console.error(
			JSON.stringify({ msg: "poison message sent to the dead-letter queue", queue, id: message.id, reason }),
		);
		message.ack();
	} catch (err) {
		console.error(
			JSON.stringify({ msg: "dead-letter send failed; retrying", queue, id: message.id, error: String(err) }),
		);
		message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
	}
}

/** Retries one message with capped exponential backoff, and says why in one log line. */
export function retryLater(message: Message<unknown>, what: string, err: unknown): void {
	const delaySeconds = retryDelaySeconds(message.attempts);
	console.error(
		JSON.stringify({
			msg: `${what} failed; retrying`,
			id: message.id,
			attempts: message.attempts,
			delaySeconds,
			error: String(err),
		}),
	);
	message.retry({ delaySeconds });
}
