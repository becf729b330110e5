// The one-way life of an outgoing SMS. Receipts arrive late, twice and out of order (Twilio retries callbacks, a
// queue redelivers), so a message only ever moves to a later state, and the database applies the same order as
// this module: statusRankSql is generated from the table below.

import { MESSAGE_STATUSES } from "../db/schema";

// The statuses themselves sit with the tables (db/schema.ts), where every feature that shows a message can read them.
export { MESSAGE_STATUSES };

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const RANKS: Readonly<Record<MessageStatus, number>> = {
	pending: 0,
	submitting: 1,
	unknown: 2,
	queued: 3,
	sending: 4,
	sent: 5,
	// Final outcomes share a rank: whichever is recorded first stays (equal rank never moves).
	delivered: 6,
	undelivered: 6,
	failed: 6,
	canceled: 6,
	// Only the handset can report a read, so it proves delivery and overrides any other outcome.
	read: 7,
};

/**
 * The values of Twilio's MessageStatus on an outgoing message (Message resource, status callbacks).
 * "receiving" and "received" are inbound-only and "partially_delivered" names no state of a single SMS that we
 * can place in this order: normaliseProviderStatus rejects all three, and the caller ignores such a receipt.
 */
export const PROVIDER_STATUSES = [
	"accepted",
	"scheduled",
	"queued",
	"sending",
	"sent",
	"delivered",
	"undelivered",
	"failed",
	"read",
	"canceled",
] as const;

export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

const FROM_PROVIDER: Readonly<Record<ProviderStatus, MessageStatus>> = {
	// A Messaging Service accepts or schedules before it queues; for us all three mean "Twilio has it".
	accepted: "queued",
	scheduled: "queued",
	queued: "queued",
	sending: "sending",
	sent: "sent",
	delivered: "delivered",
	undelivered: "undelivered",
	failed: "failed",
	read: "read",
	canceled: "canceled",
};

/** Our status for a provider's (Twilio's) status value, case and surrounding space ignored; null when unknown. */
export function normaliseProviderStatus(raw: string): MessageStatus | null {
	const key = raw.trim().toLowerCase();
	return Object.hasOwn(FROM_PROVIDER, key) ? FROM_PROVIDER[key as ProviderStatus] : null;
}

/** The order receipts move a message in: a status only replaces one of lower rank. */
export function statusRank(status: MessageStatus): number {
	return RANKS[status];
}

/** Whether the status is an outcome no later receipt can undo except a read receipt. */
export function isFinalStatus(status: MessageStatus): boolean {
	return RANKS[status] >= RANKS.delivered;
}

/**
 * The status after a receipt: the incoming one when it ranks higher, else the current one. Idempotent, never
 * moves back, and the same whatever order receipts of different ranks arrive in.
 */
export function advance(current: MessageStatus, incoming: MessageStatus): MessageStatus {
	return RANKS[incoming] > RANKS[current] ? incoming : current;
}

/**
 * A SQL CASE expression giving the rank of the status held in `column`, from the same table as statusRank, so an
 * UPDATE can compare ranks exactly as advance does. Unknown values rank -1 (anything replaces them).
 */
export function statusRankSql(column: string): string {
	// Interpolated into SQL: only a plain (optionally table-qualified) column name may come in.
	if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(column)) {
		throw new Error(`statusRankSql: not a column name: ${column}`);
	}
	const branches = MESSAGE_STATUSES.map((status) => `WHEN '${status}' THEN ${RANKS[status]}`).join(" ");
	return `(CASE ${column} ${branches} ELSE -1 END)`;
}

/** statusRankSql for the messages table's `status` column. */
export const STATUS_RANK_SQL = statusRankSql("status");
