import { emitEvents } from "../outbound-webhooks/emit";
import type { Received } from "../queue/policy";
import { type Pending, writeTogether } from "../queue/write-together";
import type { ReceiptEvent, ReceiptsEnvelope } from "./receipt-event";
import { recordReceipts } from "./receipts";

/** The SMS receipts of one events-queue batch, applied in one D1 batch (one way only: a state never goes back). */
export async function consumeReceipts(env: Env, received: Received<ReceiptsEnvelope>[]): Promise<void> {
	const receipts: Pending<ReceiptEvent>[] = received.map(({ message, body }) => ({ message, rows: body.receipts }));
	await writeTogether("receipt write", receipts, async (rows) => {
		const { events } = await recordReceipts(env.DB, rows, Date.now());
		await emitEvents(env, events);
	});
}
