import { unlessErased } from "../contacts/contact-sql";
import { newId } from "../db/ids";
import { all, batch, query, type Rows, type Statement } from "../db/sql";
import { inAttributionWindow, workspaceWindowDays } from "../purchases/attribution-sql";
import type { MessageStatus } from "./status";

export interface MessageCursor {
	createdAt: number;
	id: string;
}

export type MessageRow = Pick<
	Rows["messages"],
	| "id"
	| "campaignId"
	| "contactId"
	| "linkCode"
	| "variant"
	| "kind"
	| "provider"
	| "providerMessageId"
	| "body"
	| "segments"
	| "encoding"
	| "errorCode"
	| "errorMessage"
	| "createdAt"
	| "submittedAt"
	| "sentAt"
	| "deliveredAt"
	| "undeliveredAt"
	| "failedAt"
	| "readAt"
> & {
	/** Null once the contact is erased. */
	phone: Rows["contacts"]["phone"] | null;
	status: MessageStatus;
	firstTapAt: Rows["links"]["firstHumanClickAt"];
	/** The first purchase attributed to the message's link within the workspace's window, as the stats count it. */
	purchasedAt: number | null;
};

/** Messages of the workspace (or of one campaign), newest first, after the cursor. */
export async function listMessages(
	d1: D1Database,
	workspaceId: string,
	filter: { campaignId: string | null; status: MessageStatus | null; limit: number; after: MessageCursor | null },
): Promise<MessageRow[]> {
	const where = ["m.workspace_id = ?1"];
	if (filter.campaignId) where.push("m.campaign_id = ?2");
	if (filter.status) where.push("m.status = ?3");
	if (filter.after) where.push("(m.created_at < ?4 OR (m.created_at = ?4 AND m.id < ?5))");
	const list = query<
		MessageRow,
		[
			workspaceId: string,
			campaignId: string | null,
			status: MessageStatus | null,
			afterAt: number | null,
			afterId: string | null,
			limit: number,
		]
	>(
		`SELECT m.id, m.campaign_id AS campaignId, m.contact_id AS contactId,
		        ${unlessErased("c", "phone")} AS phone, m.link_code AS linkCode, m.variant, m.kind,
		        m.provider, m.provider_message_id AS providerMessageId, m.status, m.body, m.segments, m.encoding,
		        m.error_code AS errorCode, m.error_message AS errorMessage, m.created_at AS createdAt,
		        m.submitted_at AS submittedAt, m.sent_at AS sentAt, m.delivered_at AS deliveredAt,
		        m.undelivered_at AS undeliveredAt, m.failed_at AS failedAt, m.read_at AS readAt,
		        l.first_human_click_at AS firstTapAt,
		        (SELECT min(p.occurred_at) FROM purchases p INDEXED BY purchases_by_contact
		         WHERE p.contact_id = m.contact_id AND p.link_code = m.link_code
		           AND ${inAttributionWindow("p", workspaceWindowDays("?1"))}) AS purchasedAt
		 FROM messages m ${filter.campaignId ? "INDEXED BY messages_by_campaign_created" : "INDEXED BY messages_by_workspace_created"}
		 LEFT JOIN contacts c ON c.id = m.contact_id
		 LEFT JOIN links l ON l.code = m.link_code
		 WHERE ${where.join(" AND ")}
		 ORDER BY m.created_at DESC, m.id DESC LIMIT ?6`,
	);
	return all(
		list.bind(
			d1,
			workspaceId,
			filter.campaignId,
			filter.status,
			filter.after?.createdAt ?? null,
			filter.after?.id ?? null,
			filter.limit,
		),
	);
}

type Resolved = { idx: number; id: string; notBefore: number };

const MESSAGES_BY_ID = query<Resolved, [workspaceId: string, events: string]>(
	`SELECT j.value ->> '$.index' AS idx, m.id,
	        min(m.created_at, coalesce((SELECT l.created_at FROM links l WHERE l.code = m.link_code), m.created_at)) AS notBefore
	 FROM json_each(?2) AS j
	 CROSS JOIN messages m ON m.id = j.value ->> '$.messageId' AND m.workspace_id = ?1`,
);

// Starts as "unknown" (not "pending"), so Tapline's own sender never picks it up.
const INSERT_REPORTED_MESSAGES = query<never, [workspaceId: string, events: string, now: number]>(
	`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, status,
	                       created_at, updated_at)
	 SELECT j.value ->> '$.id', ?1, l.campaign_id, c.id, l.code, l.variant, 'campaign', 'external', 'unknown', ?3, ?3
	 FROM json_each(?2) AS j
	 CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = j.value ->> '$.phone'
	 CROSS JOIN links l ON l.campaign_id = j.value ->> '$.campaignId' AND l.contact_id = c.id
	   AND l.kind = 'campaign' AND l.deleted_at IS NULL AND l.workspace_id = ?1
	 WHERE true
	 ON CONFLICT DO NOTHING`,
);

const MESSAGES_BY_PHONE = query<Resolved, [workspaceId: string, events: string]>(
	`SELECT j.value ->> '$.index' AS idx, m.id,
	        min(m.created_at, coalesce((SELECT l.created_at FROM links l WHERE l.code = m.link_code), m.created_at)) AS notBefore
	 FROM json_each(?2) AS j
	 CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = j.value ->> '$.phone'
	 CROSS JOIN messages m ON m.campaign_id = j.value ->> '$.campaignId' AND m.contact_id = c.id
	   AND m.kind = 'campaign' AND m.workspace_id = ?1`,
);

/**
 * Finds the messages that lifecycle events name: by Tapline's id, or by (campaign, phone) for a message another
 * platform sent, whose row is created on first report (idempotently: one per campaign and contact). Returns the
 * message id per event index, with the earliest time an event of it can have (the SMS carried the link, so
 * nothing happened to it before the link existed); an event whose message or link cannot be found is missing.
 */
export async function resolveReportedMessages(
	d1: D1Database,
	workspaceId: string,
	events: { index: number; messageId: string | null; campaignId: string | null; phone: string | null }[],
	now: number,
): Promise<Map<number, { id: string; notBefore: number }>> {
	const byId = events.filter((e) => e.messageId).map((e) => ({ index: e.index, messageId: e.messageId }));
	const byPhone = events
		.filter((e) => !e.messageId && e.campaignId && e.phone)
		.map((e) => ({ index: e.index, campaignId: e.campaignId, phone: e.phone, id: newId("msg") }));
	const statements: Statement<Resolved>[] = [MESSAGES_BY_ID.bind(d1, workspaceId, JSON.stringify(byId))];
	if (byPhone.length > 0) {
		const json = JSON.stringify(byPhone);
		statements.push(
			INSERT_REPORTED_MESSAGES.bind(d1, workspaceId, json, now),
			MESSAGES_BY_PHONE.bind(d1, workspaceId, json),
		);
	}
	const results = await batch(d1, statements);
	const resolved = new Map<number, { id: string; notBefore: number }>();
	for (const result of [results[0], results[2]]) {
		for (const row of result?.results ?? []) resolved.set(Number(row.idx), { id: row.id, notBefore: row.notBefore });
	}
	return resolved;
}
