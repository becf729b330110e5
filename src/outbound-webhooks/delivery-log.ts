import { randomAlphanumeric } from "../db/ids";
import { all, batch, first, query, type Rows, run } from "../db/sql";

// Each endpoint's last attempts, for its owner to see why deliveries fail and to redeliver one. Bounded: writing an
// endpoint's attempts drops all but its newest MAX_PER_ENDPOINT in the same batch.

export const MAX_PER_ENDPOINT = 100;
const random16 = randomAlphanumeric(16);

export type DeliveryAttempt = Rows["webhookDeliveries"];

const RECORD = query<
	never,
	[
		id: string,
		endpointId: string,
		workspaceId: string,
		messageId: string,
		attempt: number,
		eventId: string,
		eventType: string,
		payload: string,
		status: number | null,
		ok: number,
		error: string | null,
		durationMs: number,
		attemptedAt: number,
	]
>(
	`INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, message_id, attempt, event_id, event_type, payload,
	   status, ok, error, duration_ms, attempted_at)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
	 ON CONFLICT (message_id, attempt) DO NOTHING`,
);

const TRIM = query<never, [endpointId: string, keep: number]>(
	`DELETE FROM webhook_deliveries WHERE id IN (
	   SELECT id FROM webhook_deliveries INDEXED BY webhook_deliveries_by_endpoint WHERE endpoint_id = ?1
	   ORDER BY attempted_at DESC, id DESC LIMIT -1 OFFSET ?2)`,
);

/** Writes the attempts of one queue batch, then trims each endpoint's log, in one D1 batch. */
export async function recordAttempts(d1: D1Database, attempts: Omit<DeliveryAttempt, "id">[]): Promise<void> {
	if (attempts.length === 0) return;
	const inserts = attempts.map((a) =>
		RECORD.bind(
			d1,
			`whd_${random16()}`,
			a.endpointId,
			a.workspaceId,
			a.messageId,
			a.attempt,
			a.eventId,
			a.eventType,
			a.payload,
			a.status,
			a.ok ? 1 : 0,
			a.error,
			a.durationMs,
			a.attemptedAt,
		),
	);
	const trims = [...new Set(attempts.map((a) => a.endpointId))].map((id) => TRIM.bind(d1, id, MAX_PER_ENDPOINT));
	await batch(d1, [...inserts, ...trims]);
}

const COLUMNS = `id, endpoint_id AS endpointId, workspace_id AS workspaceId, message_id AS messageId, attempt,
	event_id AS eventId, event_type AS eventType, payload, status, ok, error, duration_ms AS durationMs,
	attempted_at AS attemptedAt`;

type AttemptRow = Omit<DeliveryAttempt, "ok"> & { ok: number };
const toAttempt = (row: AttemptRow): DeliveryAttempt => ({ ...row, ok: Boolean(row.ok) });

const ATTEMPTS_OF = query<AttemptRow, [endpointId: string, limit: number]>(
	`SELECT ${COLUMNS} FROM webhook_deliveries INDEXED BY webhook_deliveries_by_endpoint WHERE endpoint_id = ?1
	 ORDER BY attempted_at DESC, id DESC LIMIT ?2`,
);

/** An endpoint's attempts, newest first. */
export async function attemptsOf(d1: D1Database, endpointId: string, limit: number): Promise<DeliveryAttempt[]> {
	return (await all(ATTEMPTS_OF.bind(d1, endpointId, limit))).map(toAttempt);
}

const ATTEMPT = query<AttemptRow, [id: string, endpointId: string]>(
	`SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = ?1 AND endpoint_id = ?2`,
);

export async function findAttempt(d1: D1Database, endpointId: string, id: string): Promise<DeliveryAttempt | null> {
	const row = await first(ATTEMPT.bind(d1, id, endpointId));
	return row ? toAttempt(row) : null;
}

const FORGET = query<never, [endpointId: string]>("DELETE FROM webhook_deliveries WHERE endpoint_id = ?1");

/** Drops a deleted endpoint's log: nothing can read it any more, and its payloads name contacts. */
export async function forgetAttempts(d1: D1Database, endpointId: string): Promise<void> {
	await run(FORGET.bind(d1, endpointId));
}
