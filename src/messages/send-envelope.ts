import { z } from "zod";
import { defineEnvelope } from "../queue/envelope";
import { sendInBatches } from "../queue/send-in-batches";

/** One SMS to send, by the id of its claim row, on the sends queue. */
export const SendEnvelope = defineEnvelope("send", 1, { messageId: z.string().min(1).max(64) });
export type SendEnvelope = z.output<typeof SendEnvelope.schema>;

/** The queue request for one claimed SMS, held back `delaySeconds` when that is more than 0. */
export function sendRequest(messageId: string, delaySeconds = 0): MessageSendRequest<SendEnvelope> {
	return {
		body: SendEnvelope.wrap({ messageId }),
		contentType: "json",
		...(delaySeconds > 0 ? { delaySeconds } : {}),
	};
}

/** Queues the sends of claimed SMS. Safe to repeat: the consumer's claim texts each message once. */
export async function queueSends(sends: Queue, requests: MessageSendRequest<SendEnvelope>[]): Promise<void> {
	await sendInBatches(sends, requests);
}
