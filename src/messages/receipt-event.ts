import { z } from "zod";
import { defineEnvelope } from "../queue/envelope";
import { sendInBatches } from "../queue/send-in-batches";
import { MESSAGE_STATUSES } from "./status";

/**
 * One reported state of an SMS, as it travels on the events queue: a Twilio status callback, or an event a marketer
 * posted for a message sent through another platform. Names the message by Tapline's id when it is known, else by
 * the provider's id.
 */
export const ReceiptEvent = z
	.object({
		messageId: z.string().min(1).max(64).nullish(),
		provider: z.enum(["twilio", "external"]),
		providerMessageId: z.string().min(1).max(128).nullish(),
		status: z.enum(MESSAGE_STATUSES),
		at: z.number().int().nonnegative(),
		errorCode: z.string().max(64).nullish(),
		errorMessage: z.string().max(200).nullish(),
	})
	.refine((r) => Boolean(r.messageId || r.providerMessageId), "a receipt names its message");
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;

// At most 200 receipts of at most ~450 bytes each: well under the 128 KB of a queue message.
const MAX_RECEIPTS_PER_ENVELOPE = 200;

/** SMS lifecycle states reported by the provider or by the lifecycle API, on the events queue. */
export const ReceiptsEnvelope = defineEnvelope("receipts", 1, {
	receipts: z.array(ReceiptEvent).min(1).max(MAX_RECEIPTS_PER_ENVELOPE),
});
export type ReceiptsEnvelope = z.output<typeof ReceiptsEnvelope.schema>;

/** Puts receipts on the events queue, as many to an envelope as fit; the consumer applies them. */
export async function queueReceipts(events: Queue, receipts: ReceiptEvent[]): Promise<void> {
	const envelopes: MessageSendRequest<ReceiptsEnvelope>[] = [];
	for (let i = 0; i < receipts.length; i += MAX_RECEIPTS_PER_ENVELOPE) {
		envelopes.push({
			body: ReceiptsEnvelope.wrap({ receipts: receipts.slice(i, i + MAX_RECEIPTS_PER_ENVELOPE) }),
			contentType: "json",
		});
	}
	await sendInBatches(events, envelopes);
}
