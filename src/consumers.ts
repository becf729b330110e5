import { z } from "zod";
import { consumeTaps } from "./clicks/consume";
import { TapsEnvelope } from "./clicks/tap-event";
import { keepDeadLetters } from "./dead-letters/consume";
import { DEAD_LETTER_QUEUES } from "./dead-letters/queues";
import { consumeReceipts } from "./messages/consume-receipts";
import { consumeSends } from "./messages/consume-sends";
import { ReceiptsEnvelope } from "./messages/receipt-event";
import { SendEnvelope } from "./messages/send-envelope";
import { deliverWebhooks } from "./outbound-webhooks/consume";
import { DeliveryEnvelope } from "./outbound-webhooks/events";
import { consumePurchases } from "./purchases/consume";
import { PurchaseEnvelope } from "./purchases/purchase-event";
import { type Received, receive } from "./queue/policy";

/** The queues wrangler.toml names; each consumer is looked up by its queue's name. */
export const QUEUES = { events: "tapline-events", sends: "tapline-sends", webhooks: "tapline-webhooks" } as const;

/** Everything the events queue carries: taps, SMS receipts and purchases, told apart by `type`. */
export const EventEnvelope = z.discriminatedUnion("type", [
	TapsEnvelope.schema,
	ReceiptsEnvelope.schema,
	PurchaseEnvelope.schema,
]);
export type EventEnvelope = z.output<typeof EventEnvelope>;

/**
 * The events queue: each feature's consumer gets its own envelopes, in an order that matters: taps first, so that
 * a purchase in the same batch finds the click it names, then receipts, then purchases.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const received = await receive(batch, EventEnvelope, env.DEAD_LETTERS);
	const of = <Type extends EventEnvelope["type"]>(type: Type) =>
		received.filter((r): r is Received<Extract<EventEnvelope, { type: Type }>> => r.body.type === type);
	await consumeTaps(env, of("taps"));
	await consumeReceipts(env, of("receipts"));
	await consumePurchases(env, of("purchase"));
}

const CONSUMERS = [
	{ queue: QUEUES.sends, envelope: SendEnvelope.schema, consume: consumeSends },
	{ queue: QUEUES.webhooks, envelope: DeliveryEnvelope.schema, consume: deliverWebhooks },
	{ queue: QUEUES.events, envelope: EventEnvelope, consume: consumeEvents },
];

/** A dead-letter queue's name, as wrangler.toml gives it, or as an environment that renamed it ends it. */
function deadLetterOrigin(queue: string) {
	if (Object.hasOwn(DEAD_LETTER_QUEUES, queue)) return DEAD_LETTER_QUEUES[queue as keyof typeof DEAD_LETTER_QUEUES];
	if (!queue.endsWith("-dlq")) return null;
	if (queue.endsWith("sends-dlq")) return QUEUES.sends;
	if (queue.endsWith("webhooks-dlq")) return QUEUES.webhooks;
	return QUEUES.events;
}

/**
 * The Worker's queue handler. A dead-letter queue's messages are stored in D1 for an operator to list and replay.
 * The others by queue name, or, should an environment rename its queues, by what the first message is; anything
 * else is the events queue's, whose consumer dead-letters what it cannot read.
 */
export async function dispatchQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const origin = deadLetterOrigin(batch.queue);
	if (origin) return keepDeadLetters(batch, env, origin);
	const consumer =
		CONSUMERS.find((c) => c.queue === batch.queue) ??
		CONSUMERS.find((c) => c.envelope.safeParse(batch.messages[0]?.body).success) ??
		(CONSUMERS.at(-1) as (typeof CONSUMERS)[number]);
	await consumer.consume(batch, env);
}
