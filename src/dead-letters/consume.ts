import { z } from "zod";
import { DeadLetterEnvelope } from "../queue/policy";
import { writeTogether } from "../queue/write-together";
import { type DeadLetter, storeDeadLetters } from "./queries";
import type { WorkQueue } from "./queues";

// What consumers put on a dead-letter queue before the envelope was versioned: still read, so that nothing sitting
// in a dead-letter queue at deploy time is lost.
const UnversionedDeadLetter = z.strictObject({
	reason: z.string(),
	queue: z.string(),
	id: z.string(),
	body: z.unknown(),
});

const MAX_SEARCH = 5_000;

/**
 * The workspace a body names: the one value of every `workspaceId` found in it (a webhook delivery names its
 * event's, a purchase its own, a batch of taps each tap's). None, or several different ones, is null: such a dead
 * letter is listed to the admin token only.
 */
export function workspaceNamedBy(body: unknown): string | null {
	const found = new Set<string>();
	const stack: [unknown, number][] = [[body, 0]];
	for (let seen = 0; stack.length > 0 && seen < MAX_SEARCH; seen++) {
		const [value, depth] = stack.pop() as [unknown, number];
		if (typeof value !== "object" || value === null || depth > 6) continue;
		for (const [key, child] of Object.entries(value)) {
			if (key === "workspaceId" && typeof child === "string" && child !== "") found.add(child);
			else stack.push([child, depth + 1]);
		}
	}
	return found.size === 1 ? ([...found][0] as string) : null;
}

/** One message of a dead-letter queue as it is stored. */
export function deadLetterOf(message: Message<unknown>, origin: WorkQueue): Omit<DeadLetter, "replayedAt"> {
	const wrapped = DeadLetterEnvelope.schema.safeParse(message.body);
	const unversioned = wrapped.success ? wrapped : UnversionedDeadLetter.safeParse(message.body);
	const envelope = unversioned.success ? unversioned.data : null;
	const body = envelope ? envelope.body : message.body;
	return {
		id: message.id,
		queue: origin,
		workspaceId: workspaceNamedBy(body),
		reason: envelope?.reason ?? "retries exhausted (moved by Cloudflare after max_retries)",
		// undefined (a body the queue could not give) is kept as null, so the row always holds JSON.
		body: JSON.stringify(body ?? null),
		originalMessageId: envelope?.id ?? null,
		receivedAt: message.timestamp.getTime(),
	};
}

/**
 * The consumer of a dead-letter queue: writes every message to D1 (idempotent by its id), where an operator lists
 * and replays it (src/dead-letters/routes.ts), instead of leaving it unseen in the queue. Nothing is poison here:
 * any body is stored as it came. A failed write is retried with backoff.
 */
export async function keepDeadLetters(batch: MessageBatch<unknown>, env: Env, origin: WorkQueue): Promise<void> {
	await writeTogether(
		"dead letter write",
		batch.messages.map((message) => ({ message, rows: [deadLetterOf(message, origin)] })),
		(rows) => storeDeadLetters(env.DB, rows),
	);
}
