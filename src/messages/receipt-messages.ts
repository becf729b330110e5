import { RECEIPTS_MESSAGE_VERSION, type ReceiptsMessage } from "../events/messages";
import type { ReceiptEvent } from "./receipt-event";

// At most 200 receipts of at most ~450 bytes each: well under the 128 KB of a queue message.
export const RECEIPTS_PER_MESSAGE = 200;

/** The events-queue messages that carry receipts to the consumer, in order, 200 to a message; none for none. */
export function receiptsMessages(receipts: ReceiptEvent[]): MessageSendRequest<ReceiptsMessage>[] {
	const messages: MessageSendRequest<ReceiptsMessage>[] = [];
	for (let i = 0; i < receipts.length; i += RECEIPTS_PER_MESSAGE) {
		messages.push({
			body: { v: RECEIPTS_MESSAGE_VERSION, type: "receipts", receipts: receipts.slice(i, i + RECEIPTS_PER_MESSAGE) },
			contentType: "json",
		});
	}
	return messages;
}
