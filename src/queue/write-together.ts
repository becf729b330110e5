import { retryLater } from "./policy";

/** The rows one queue message asks to write. */
export interface Pending<Row> {
	message: Message<unknown>;
	rows: Row[];
}

/**
 * Writes the rows of all messages in one call. When that fails, a message on its first attempt is retried later
 * (most failures pass: an overloaded or restarting database); a message that has failed before is written alone,
 * so one message that can never be written cannot keep failing the batches of the others.
 */
export async function writeTogether<Row>(
	what: string,
	pending: Pending<Row>[],
	write: (rows: Row[]) => Promise<unknown>,
): Promise<void> {
	if (pending.length === 0) return;
	try {
		await write(pending.flatMap((p) => p.rows));
		for (const p of pending) p.message.ack();
		return;
	} catch (err) {
		if (pending.length === 1) {
			retryLater((pending[0] as Pending<Row>).message, what, err);
			return;
		}
		for (const p of pending) if (p.message.attempts <= 1) retryLater(p.message, what, err);
	}
	for (const p of pending) {
		if (p.message.attempts <= 1) continue;
		try {
			await write(p.rows);
			p.message.ack();
		} catch (err) {
			retryLater(p.message, what, err);
		}
	}
}
