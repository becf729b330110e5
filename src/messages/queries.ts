import { optedOutSql } from "../consent/consent-sql";
import { phoneHashes } from "../consent/suppression";
import type { FollowUpReason, MessageProvider } from "../db/schema";
import { all, batch, query, type Rows, type SqliteRow, type Statement } from "../db/sql";
import { countsAsPurchase } from "../purchases/attribution-sql";
import { DAY_MS, HOUR_MS } from "../time";
import { type MessageStatus, statusRank, statusRankSql } from "./status";

/** A message ready to be written: rendered, with the contact and link it goes to. */
export type MessageDraft = Pick<Rows["messages"], "id" | "contactId" | "linkCode" | "variant"> & {
	body: string;
	segments: number;
	encoding: string;
};

/** Where each recipient of a send request stands after the claim rows were written. */
export interface SendState {
	contactId: string;
	messageId: string | null;
	status: MessageStatus | null;
	/** 0 marks a message whose queueing failed: the cron's sweep, or a repeated request, queues it. */
	updatedAt: number | null;
	optedOut: boolean;
}

// Rows travel as one JSON parameter per chunk (D1 allows 100 bound parameters, and a value of about 2 MB).
const CHUNK = 500;
// A draft carries up to 1,600 characters of text, up to about 6 KB as UTF-8 JSON.
const DRAFT_CHUNK = 200;

// The claim row: one message per (campaign, contact, kind). An opted-out contact gets no row, nor one whose phone is
// suppressed (an opted-out contact of that number was erased). A message that was
// cancelled before it went out (the contact opted out, then back in) is pending again: it was never sent.
type Kind = Rows["messages"]["kind"];

const INSERT_MESSAGES = query<
	never,
	[workspaceId: string, campaignId: string, kind: Kind, provider: MessageProvider, now: number, drafts: string]
>(`
INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, body, segments,
                      encoding, status, created_at, updated_at)
SELECT j.value ->> '$.id', ?1, ?2, c.id, j.value ->> '$.linkCode', j.value ->> '$.variant', ?3, ?4,
       j.value ->> '$.body', j.value ->> '$.segments', j.value ->> '$.encoding', 'pending', ?5, ?5
FROM json_each(?6) AS j
CROSS JOIN contacts c ON c.id = j.value ->> '$.contactId'
WHERE NOT ${optedOutSql("c")} AND c.erased_at IS NULL
ON CONFLICT (campaign_id, contact_id, kind) DO UPDATE SET
  status = 'pending', link_code = excluded.link_code, variant = excluded.variant, provider = excluded.provider,
  body = excluded.body, segments = excluded.segments, encoding = excluded.encoding, error_code = NULL,
  error_message = NULL, canceled_at = NULL, updated_at = excluded.updated_at
WHERE messages.status = 'canceled' AND messages.submitted_at IS NULL`);

const SELECT_SEND_STATES = query<SqliteRow<SendState>, [campaignId: string, kind: Kind, drafts: string]>(`
SELECT c.id AS contactId, m.id AS messageId, m.status AS status, m.updated_at AS updatedAt,
       ${optedOutSql("c")} AS optedOut
FROM json_each(?3) AS j
CROSS JOIN contacts c ON c.id = j.value ->> '$.contactId'
LEFT JOIN messages m ON m.campaign_id = ?1 AND m.contact_id = c.id AND m.kind = ?2`);

/**
 * Writes one pending message per contact that has none yet for this campaign and kind (one D1 batch, one
 * transaction), then reports where every contact stands: a new or still-pending message is to be queued, one
 * already handed to the provider is not sent again.
 */
export async function claimMessages(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
	kind: Kind,
	provider: MessageProvider,
	drafts: MessageDraft[],
	now: number,
): Promise<Map<string, SendState>> {
	if (drafts.length === 0) return new Map();
	const inserts: Statement<never>[] = [];
	const selects: Statement<SqliteRow<SendState>>[] = [];
	for (let i = 0; i < drafts.length; i += DRAFT_CHUNK) {
		const json = JSON.stringify(drafts.slice(i, i + DRAFT_CHUNK));
		inserts.push(INSERT_MESSAGES.bind(d1, workspaceId, campaignId, kind, provider, now, json));
		selects.push(SELECT_SEND_STATES.bind(d1, campaignId, kind, json));
	}
	const results = await batch(d1, [...inserts, ...selects]);
	const states = new Map<string, SendState>();
	for (const result of results.slice(inserts.length)) {
		for (const row of result.results) {
			states.set(row.contactId, { ...row, optedOut: Boolean(row.optedOut) });
		}
	}
	return states;
}

/** What the sender needs to know about a queued message when it is about to send it. */
export interface OutgoingMessage {
	id: string;
	workspaceId: string;
	campaignId: string;
	contactId: string;
	kind: "campaign" | "followup";
	status: MessageStatus;
	body: string | null;
	phone: string | null;
	timezone: string | null;
	optedOut: boolean;
	erased: boolean;
	/** A follow-up only: the contact bought since the tap that earned it. */
	purchasedSinceTap: boolean;
	/** A follow-up only: when its window closes (it is not sent after that). */
	followUpClosesAt: number | null;
	/** A follow-up only: until when the workspace's frequency cap holds it back (another SMS went out or came first). */
	capEndsAt: number | null;
}

// The cap, checked again when a follow-up is about to go: the contact's latest other message that went out, or that
// was written before this one (so of two follow-ups written at once, the first goes and the second waits).
const CAP_ENDS_AT = `
(SELECT max(coalesce(o.submitted_at, o.created_at)) FROM messages o INDEXED BY messages_by_contact_created
 WHERE o.contact_id = m.contact_id AND o.id <> m.id AND o.status <> 'canceled'
   AND o.created_at > ?2 - w.frequency_cap_hours * ${HOUR_MS} - ${2 * DAY_MS}
   AND coalesce(o.submitted_at, o.created_at) > ?2 - w.frequency_cap_hours * ${HOUR_MS}
   AND (o.submitted_at IS NOT NULL OR o.created_at < m.created_at OR (o.created_at = m.created_at AND o.id < m.id)))
 + w.frequency_cap_hours * ${HOUR_MS}`;

const LOAD_OUTGOING = query<SqliteRow<OutgoingMessage>, [ids: string, now: number]>(
	`SELECT m.id, m.workspace_id AS workspaceId, m.campaign_id AS campaignId, m.contact_id AS contactId,
	        m.kind, m.status, m.body, c.phone, c.timezone, ${optedOutSql("c")} AS optedOut,
	        c.erased_at IS NOT NULL AS erased,
	        f.message_id IS NOT NULL AND EXISTS (
	          SELECT 1 FROM purchases p INDEXED BY purchases_by_contact
	          WHERE p.contact_id = m.contact_id AND ${countsAsPurchase("p")} AND p.occurred_at >= f.first_tap_at)
	          AS purchasedSinceTap,
	        f.first_tap_at + (cp.follow_up_after_hours + cp.follow_up_window_hours) * ${HOUR_MS} AS followUpClosesAt,
	        iif(f.message_id IS NOT NULL AND w.frequency_cap_hours > 0, ${CAP_ENDS_AT}, NULL) AS capEndsAt
	 FROM json_each(?1) AS j
	 CROSS JOIN messages m ON m.id = j.value
	 LEFT JOIN contacts c ON c.id = m.contact_id
	 LEFT JOIN follow_ups f ON m.kind = 'followup' AND f.message_id = m.id
	 LEFT JOIN campaigns cp ON f.message_id IS NOT NULL AND cp.id = m.campaign_id
	 LEFT JOIN workspaces w ON f.message_id IS NOT NULL AND w.id = m.workspace_id`,
);

export async function loadOutgoing(d1: D1Database, ids: string[], now: number): Promise<Map<string, OutgoingMessage>> {
	const results = await all(LOAD_OUTGOING.bind(d1, JSON.stringify(ids), now));
	return new Map(
		results.map(
			(r) =>
				[
					r.id,
					{
						...r,
						optedOut: Boolean(r.optedOut),
						erased: Boolean(r.erased),
						purchasedSinceTap: Boolean(r.purchasedSinceTap),
					},
				] as const,
		),
	);
}

const MARK_SUBMITTING = query<Pick<Rows["messages"], "id">, [ids: string, provider: MessageProvider, now: number]>(
	`UPDATE messages SET status = 'submitting', provider = ?2, attempts = attempts + 1, updated_at = ?3
	 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'pending'
	   AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = messages.contact_id
	                   AND (${optedOutSql("c")} OR c.erased_at IS NOT NULL))
	   AND NOT EXISTS (SELECT 1 FROM follow_ups f CROSS JOIN purchases p INDEXED BY purchases_by_contact
	                   WHERE messages.kind = 'followup' AND f.message_id = messages.id
	                     AND p.contact_id = messages.contact_id AND ${countsAsPurchase("p")}
	                     AND p.occurred_at >= f.first_tap_at)
	 RETURNING id`,
);

/**
 * Moves pending messages to `submitting` and returns the ids this call won. A message claimed by an earlier
 * delivery of the same queue message, or whose contact opted out or was erased in the meantime, is not returned:
 * only the winner calls the provider, so nobody is texted twice.
 */
export async function markSubmitting(
	d1: D1Database,
	ids: string[],
	provider: MessageProvider,
	now: number,
): Promise<Set<string>> {
	if (ids.length === 0) return new Set();
	const results = await all(MARK_SUBMITTING.bind(d1, JSON.stringify(ids), provider, now));
	return new Set(results.map((r) => r.id));
}

// The column that keeps when each state was first reached.
const STATE_COLUMNS: Partial<Record<MessageStatus, string>> = {
	queued: "queued_at",
	sending: "sending_at",
	sent: "sent_at",
	delivered: "delivered_at",
	undelivered: "undelivered_at",
	failed: "failed_at",
	read: "read_at",
	canceled: "canceled_at",
	unknown: "unknown_at",
};
const STAMPED = Object.entries(STATE_COLUMNS) as [MessageStatus, string][];

/** One reported state of a message: from the provider's answer, a delivery receipt, or the lifecycle API. */
export interface StatusChange {
	/** Tapline's id of the message, or else the provider's. */
	messageId?: string | null;
	provider?: MessageProvider;
	providerMessageId?: string | null;
	status: MessageStatus;
	at: number;
	errorCode?: string | null;
	errorMessage?: string | null;
	/** Set when the provider took the message (the time of the API answer). */
	submittedAt?: number | null;
}

/** Several changes of one message, folded: the furthest state (the first of equals), each state's earliest time. */
interface MergedChange {
	id: string | null;
	provider: string | null;
	sid: string | null;
	status: MessageStatus;
	rank: number;
	errorCode: string | null;
	errorMessage: string | null;
	providerMessageId: string | null;
	submittedAt: number | null;
	stamps: Record<string, number>;
}

function merge(changes: StatusChange[]): { byId: MergedChange[]; bySid: MergedChange[] } {
	const merged = new Map<string, MergedChange>();
	for (const c of changes) {
		const key = c.messageId ? `id:${c.messageId}` : `sid:${c.provider}:${c.providerMessageId}`;
		const rank = statusRank(c.status);
		const column = STATE_COLUMNS[c.status];
		let m = merged.get(key);
		if (!m) {
			m = {
				id: c.messageId ?? null,
				provider: c.messageId ? null : (c.provider ?? null),
				sid: c.messageId ? null : (c.providerMessageId ?? null),
				status: c.status,
				rank,
				errorCode: c.errorCode ?? null,
				errorMessage: c.errorMessage ?? null,
				providerMessageId: c.providerMessageId ?? null,
				submittedAt: c.submittedAt ?? null,
				stamps: {},
			};
			merged.set(key, m);
		} else if (rank > m.rank) {
			Object.assign(m, {
				status: c.status,
				rank,
				errorCode: c.errorCode ?? null,
				errorMessage: c.errorMessage ?? null,
			});
		}
		m.providerMessageId ??= c.providerMessageId ?? null;
		m.submittedAt ??= c.submittedAt ?? null;
		if (column) m.stamps[column] = Math.min(m.stamps[column] ?? c.at, c.at);
	}
	const folded = [...merged.values()];
	return { byId: folded.filter((m) => m.id), bySid: folded.filter((m) => !m.id && m.sid) };
}

// One UPDATE … FROM json_each for many messages. The status moves only to a later state (statusRank), and the
// error travels with the state that wins (a delivery after a timeout clears the timeout's code); the time of each state is the earliest report of it; the provider's id
// and the submission time are set once. Applying the same changes twice, or in any order, gives the same rows.
const earliest = (column: string) =>
	`${column} = min(coalesce(messages.${column}, r.${column}), coalesce(r.${column}, messages.${column}))`;
const APPLY_CHANGES = (match: string) =>
	query<ChangedMessage, [changes: string, now: number]>(`
UPDATE messages SET
  status = CASE WHEN r.rank > ${statusRankSql("messages.status")} THEN r.status ELSE messages.status END,
  error_code = CASE WHEN r.rank > ${statusRankSql("messages.status")} THEN r.error_code ELSE messages.error_code END,
  error_message = CASE WHEN r.rank > ${statusRankSql("messages.status")}
                       THEN r.error_message ELSE messages.error_message END,
  provider_message_id = coalesce(messages.provider_message_id, r.provider_message_id),
  submitted_at = coalesce(messages.submitted_at, r.submitted_at),
  ${STAMPED.map(([, column]) => earliest(column)).join(",\n  ")},
  updated_at = ?2
FROM (
  SELECT j.value ->> '$.id' AS id, j.value ->> '$.provider' AS provider, j.value ->> '$.sid' AS sid,
         j.value ->> '$.status' AS status, j.value ->> '$.rank' AS rank, j.value ->> '$.errorCode' AS error_code,
         j.value ->> '$.errorMessage' AS error_message, j.value ->> '$.providerMessageId' AS provider_message_id,
         j.value ->> '$.submittedAt' AS submitted_at,
         ${STAMPED.map(([, column]) => `j.value ->> '$.stamps.${column}' AS ${column}`).join(", ")}
  FROM json_each(?1) AS j
) AS r
WHERE ${match}
RETURNING messages.id, messages.workspace_id AS workspaceId, messages.campaign_id AS campaignId,
          messages.contact_id AS contactId, messages.link_code AS linkCode, messages.variant, messages.status,
          messages.delivered_at AS deliveredAt, messages.provider, messages.provider_message_id AS providerMessageId`);
const BY_ID = APPLY_CHANGES("messages.id = r.id");
const BY_PROVIDER_ID = APPLY_CHANGES("messages.provider = r.provider AND messages.provider_message_id = r.sid");

/** A message as an UPDATE of applyChanges left it. */
export type ChangedMessage = Pick<
	Rows["messages"],
	| "id"
	| "workspaceId"
	| "campaignId"
	| "contactId"
	| "linkCode"
	| "variant"
	| "deliveredAt"
	| "provider"
	| "providerMessageId"
> & { status: MessageStatus };

/** The statements that apply state changes to their messages, a few hundred messages per statement. */
export function applyChanges(d1: D1Database, changes: StatusChange[], now: number): Statement<ChangedMessage>[] {
	const { byId, bySid } = merge(changes);
	const statements: Statement<ChangedMessage>[] = [];
	for (const [apply, rows] of [
		[BY_ID, byId],
		[BY_PROVIDER_ID, bySid],
	] as const) {
		for (let i = 0; i < rows.length; i += CHUNK) {
			statements.push(apply.bind(d1, JSON.stringify(rows.slice(i, i + CHUNK)), now));
		}
	}
	return statements;
}

const RELEASE_CLAIM = query<never, [messageId: string, now: number]>(
	"UPDATE messages SET status = 'pending', updated_at = ?2 WHERE id = ?1 AND status = 'submitting'",
);

/** A message that was claimed but must wait (the provider asked to slow down): back to pending, not sent. */
export function releaseClaim(d1: D1Database, messageId: string, now: number): Statement<never> {
	return RELEASE_CLAIM.bind(d1, messageId, now);
}

const MARK_UNQUEUED = query<never, [ids: string]>(
	"UPDATE messages SET updated_at = 0 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'pending'",
);

/** Pending messages whose queueing failed: the cron's next sweep queues them. */
export function markUnqueued(d1: D1Database, ids: string[]): Statement<never> {
	return MARK_UNQUEUED.bind(d1, JSON.stringify(ids));
}

const TOUCH_PENDING = query<never, [ids: string, now: number]>(
	"UPDATE messages SET updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'pending'",
);

/** Pending messages just queued again: not stalled. */
export function touchPending(d1: D1Database, ids: string[], now: number): Statement<never> {
	return TOUCH_PENDING.bind(d1, JSON.stringify(ids), now);
}

const CANCEL_PENDING = query<never, [messageId: string, reason: string, now: number]>(
	`UPDATE messages SET status = 'canceled', canceled_at = ?3, error_code = ?2, updated_at = ?3
	 WHERE id = ?1 AND status = 'pending'`,
);

/** A message that will never be sent (the contact opted out or was erased before it went out). */
export function cancelPending(d1: D1Database, messageId: string, reason: string, now: number): Statement<never> {
	return CANCEL_PENDING.bind(d1, messageId, reason, now);
}

const SKIP_CANCELLED_FOLLOW_UP = query<never, [messageId: string, reason: FollowUpReason, now: number]>(
	`UPDATE follow_ups SET status = 'skipped', reason = ?2, updated_at = ?3
	 WHERE message_id = ?1 AND status = 'sent'
	   AND EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND status = 'canceled' AND canceled_at = ?3)`,
);

/**
 * A follow-up the sender cancelled (a purchase or a STOP came first, or its window closed): the contact's row says
 * so, if the message really was cancelled by the statement before it in the same batch.
 */
export function skipCancelledFollowUp(
	d1: D1Database,
	messageId: string,
	reason: FollowUpReason,
	now: number,
): Statement<never> {
	return SKIP_CANCELLED_FOLLOW_UP.bind(d1, messageId, reason, now);
}

/** Where a phone stands in a campaign before anything is written: for dry runs. */
export interface PreviewState {
	phone: string;
	linkCode: string | null;
	optedOut: boolean;
	messageStatus: MessageStatus | null;
}

const PREVIEW_STATES = query<SqliteRow<PreviewState>, [workspaceId: string, campaignId: string, phones: string]>(
	`SELECT c.phone, l.code AS linkCode, ${optedOutSql("c")} AS optedOut, m.status AS messageStatus
	 FROM json_each(?3) AS j
	 CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = j.value
	 LEFT JOIN links l ON l.campaign_id = ?2 AND l.contact_id = c.id AND l.kind = 'campaign'
	   AND l.deleted_at IS NULL
	 LEFT JOIN messages m ON m.campaign_id = ?2 AND m.contact_id = c.id AND m.kind = 'campaign'`,
);

// Phones of a dry run with no live contact yet whose number is suppressed (a real send would mint them opted out).
const SUPPRESSED_PHONES = query<{ phone: string }, [workspaceId: string, hashes: string]>(
	`SELECT j.value ->> '$.phone' AS phone FROM json_each(?2) AS j
	 WHERE EXISTS (SELECT 1 FROM suppressions s WHERE s.workspace_id = ?1 AND s.phone_hash = j.value ->> '$.hash')`,
);

/**
 * Where each phone stands, by phone. With the suppression secret, a phone on the workspace's suppression list reads
 * as opted out even before it has a contact again, as the real send would find it.
 */
export async function previewStates(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
	phones: string[],
	suppressionSecret: string | null = null,
): Promise<Map<string, PreviewState>> {
	const statements: Statement<SqliteRow<PreviewState>>[] = [];
	for (let i = 0; i < phones.length; i += CHUNK * 2) {
		statements.push(PREVIEW_STATES.bind(d1, workspaceId, campaignId, JSON.stringify(phones.slice(i, i + CHUNK * 2))));
	}
	const states = new Map<string, PreviewState>();
	if (statements.length === 0) return states;
	const hashes = suppressionSecret ? [...(await phoneHashes(suppressionSecret, phones))] : [];
	const suppressed: Statement<{ phone: string }>[] = [];
	for (let i = 0; i < hashes.length; i += CHUNK) {
		const chunk = hashes.slice(i, i + CHUNK).map(([phone, hash]) => ({ phone, hash }));
		suppressed.push(SUPPRESSED_PHONES.bind(d1, workspaceId, JSON.stringify(chunk)));
	}
	const results = await batch(d1, [...statements, ...suppressed]);
	for (const result of results.slice(0, statements.length) as D1Result<SqliteRow<PreviewState>>[]) {
		for (const row of result.results) states.set(row.phone, { ...row, optedOut: Boolean(row.optedOut) });
	}
	for (const result of results.slice(statements.length) as D1Result<{ phone: string }>[]) {
		for (const { phone } of result.results) {
			const state = states.get(phone);
			if (state) state.optedOut = true;
			else states.set(phone, { phone, linkCode: null, optedOut: true, messageStatus: null });
		}
	}
	return states;
}

type Sweep = [now: number, before: number, limit: number];
// Read, not touched: the sweep touches a message only once it is back on the queue (touchPending), so a queue that
// fails leaves it as stalled as it was, for the next run.
const STALLED_PENDING = query<Pick<Rows["messages"], "id">, [before: number, limit: number]>(
	`SELECT id FROM messages INDEXED BY messages_pending_since
	 WHERE status = 'pending' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2`,
);
const GIVE_UP_STALLED_SUBMITTING = query<Pick<Rows["messages"], "id">, Sweep>(
	`UPDATE messages SET status = 'unknown', unknown_at = ?1, error_code = 'stalled', updated_at = ?1
	 WHERE id IN (SELECT id FROM messages INDEXED BY messages_submitting_since
	              WHERE status = 'submitting' AND updated_at < ?2 ORDER BY updated_at LIMIT ?3)
	 RETURNING id`,
);

/**
 * One page each of the sweep, in one batch: the ids of pending messages last touched before `pendingBefore` (to
 * queue again, then touch), and messages submitting since before `submittingBefore` made `unknown`.
 */
export async function sweepStalled(
	d1: D1Database,
	now: number,
	page: { pendingBefore: number; submittingBefore: number; limit: number },
): Promise<{ pending: string[]; unknown: number }> {
	const [pending, stalled] = await batch(d1, [
		STALLED_PENDING.bind(d1, page.pendingBefore, page.limit),
		GIVE_UP_STALLED_SUBMITTING.bind(d1, now, page.submittingBefore, page.limit),
	]);
	return { pending: pending.results.map((r) => r.id), unknown: stalled.results.length };
}

type Owner = Pick<Rows["messages"], "id" | "workspaceId" | "contactId"> & {
	/** When the receipt naming the message was reported. */
	at: number;
	/** Null once the contact is erased. */
	phone: Rows["contacts"]["phone"] | null;
};

const MESSAGE_OWNERS = query<Owner, [receipts: string]>(
	`SELECT m.id, m.workspace_id AS workspaceId, m.contact_id AS contactId, j.value ->> '$.at' AS at,
	        (SELECT c.phone FROM contacts c WHERE c.id = m.contact_id AND c.erased_at IS NULL) AS phone
	 FROM json_each(?1) AS j CROSS JOIN messages m ON m.id = j.value ->> '$.id'
	 UNION ALL
	 SELECT m.id, m.workspace_id, m.contact_id, j.value ->> '$.at',
	        (SELECT c.phone FROM contacts c WHERE c.id = m.contact_id AND c.erased_at IS NULL)
	 FROM json_each(?1) AS j CROSS JOIN messages m
	   ON j.value ->> '$.id' IS NULL AND m.provider = 'twilio' AND m.provider_message_id = j.value ->> '$.sid'`,
);

/** The workspace, contact and phone of each message that receipts name, by Tapline's id or else Twilio's. */
export async function messageOwners(
	d1: D1Database,
	receipts: { messageId?: string | null; providerMessageId?: string | null; at: number }[],
): Promise<Owner[]> {
	const keys = receipts.map((r) => ({ id: r.messageId ?? null, sid: r.providerMessageId ?? null, at: r.at }));
	return all(MESSAGE_OWNERS.bind(d1, JSON.stringify(keys)));
}
