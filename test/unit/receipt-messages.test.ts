import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReceiptsMessage } from "../../src/events/messages";
import type { ReceiptEvent } from "../../src/messages/receipt-event";
import { RECEIPTS_PER_MESSAGE, receiptsMessages } from "../../src/messages/receipt-messages";
import { MESSAGE_STATUSES } from "../../src/messages/status";

const receipt: fc.Arbitrary<ReceiptEvent> = fc.record({
	messageId: fc.stringMatching(/^msg_[A-Za-z0-9]{1,16}$/),
	provider: fc.constantFrom("twilio" as const, "external" as const),
	providerMessageId: fc.option(fc.stringMatching(/^SM[0-9a-f]{1,32}$/)),
	status: fc.constantFrom(...MESSAGE_STATUSES),
	at: fc.nat(),
	errorCode: fc.option(fc.string({ maxLength: 64 })),
	errorMessage: fc.option(fc.string({ maxLength: 200 })),
});

describe("receiptsMessages", () => {
	it("should carry every receipt once, in order, in messages the consumer accepts", () => {
		fc.assert(
			fc.property(fc.array(receipt, { maxLength: 3 * RECEIPTS_PER_MESSAGE + 1 }), (receipts) => {
				const messages = receiptsMessages(receipts);
				expect(messages).toHaveLength(Math.ceil(receipts.length / RECEIPTS_PER_MESSAGE));
				expect(messages.flatMap((m) => m.body.receipts)).toEqual(receipts);
				for (const m of messages) {
					expect(m.contentType).toBe("json");
					expect(ReceiptsMessage.safeParse(m.body).success).toBe(true);
				}
			}),
			{ numRuns: 50 },
		);
	});
});
