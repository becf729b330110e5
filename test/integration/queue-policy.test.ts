import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { capturingQueue, refusingQueue } from "../support/queues";

// Every consumer has one bad-message policy: a message no version of it can read goes to its own queue's
// dead-letter queue with the reason, and is acked only once it is there; if that send fails it is retried, never
// acked away.

const handlers: ExportedHandler<Env, unknown> = worker;

const CONSUMERS = [
	{ queue: "tapline-events", deadLetters: "DEAD_LETTERS", poison: { v: 99, type: "taps", hello: "world" } },
	{ queue: "tapline-sends", deadLetters: "SENDS_DEAD_LETTERS", poison: { v: 1, type: "send", messageId: 42 } },
	{ queue: "tapline-webhooks", deadLetters: "WEBHOOKS_DEAD_LETTERS", poison: { v: 2, type: "webhook" } },
] as const;

let sequence = 0;

async function consume(queue: string, bodies: unknown[], overrides: Partial<Record<string, unknown>>) {
	const batch = createMessageBatch<unknown>(
		queue,
		bodies.map((body) => ({ id: `policy-${++sequence}`, timestamp: new Date(), attempts: 1, body })),
	);
	const ctx = createExecutionContext();
	await handlers.queue?.(batch, { ...env, ...overrides } as Env, ctx);
	return { ids: batch.messages.map((m) => m.id), result: await getQueueResult(batch, ctx) };
}

describe("the bad-message policy of every consumer", () => {
	for (const { queue, deadLetters, poison } of CONSUMERS) {
		it(`should move poison on ${queue} to its dead-letter queue with the reason, then ack it`, async () => {
			const captured = capturingQueue();
			const { ids, result } = await consume(queue, [poison, "not even an object"], { [deadLetters]: captured });
			expect(result.explicitAcks.sort()).toEqual([...ids].sort());
			expect(result.retryMessages).toEqual([]);
			expect(captured.sent.map((s) => s.body)).toEqual([
				{ v: 1, type: "dead_letter", reason: expect.any(String), queue, id: ids[0], body: poison },
				{ v: 1, type: "dead_letter", reason: expect.any(String), queue, id: ids[1], body: "not even an object" },
			]);
		});

		it(`should retry poison on ${queue} when its dead-letter queue cannot take it, never ack it away`, async () => {
			const { ids, result } = await consume(queue, [poison], { [deadLetters]: refusingQueue() });
			expect(result.explicitAcks).toEqual([]);
			expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
		});
	}

	it("should send poison to the dead-letter queue of the queue it came from, not another's", async () => {
		const events = capturingQueue();
		const sends = capturingQueue();
		const webhooks = capturingQueue();
		await consume("tapline-sends", [{ v: 1, type: "send" }], {
			DEAD_LETTERS: events,
			SENDS_DEAD_LETTERS: sends,
			WEBHOOKS_DEAD_LETTERS: webhooks,
		});
		expect([events.sent.length, sends.sent.length, webhooks.sent.length]).toEqual([0, 1, 0]);
	});
});
