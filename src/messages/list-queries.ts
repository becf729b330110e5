import { newId } from "../db/ids";
import type { Message } from "./message";
import type { MessageStatus } from "./status";

export interface MessageCursor {
	createdAt: number;
	id: string;
}

/** A message as GET /messages lists it: the response schema's shape (./message.ts). */
export type MessageRow = Message;

/** Messages of the workspace (or of one campaign), newest first, after the cursor. */
export async function listMessages(
	d1: D1Database,
	workspaceId: string,
	query: { campaignId: string | null; status: MessageStatus | null; limit: number; after: MessageCursor | null },
): Promise<MessageRow[]> {
	const where = ["m.workspace_id = ?1"];
	if (query.campaignId) where.push("m.campaign_id = ?2");
	if (query.status) where.push("m.status = ?3");
	if (query.after) where.push("(m.created_at < ?4 OR (m.created_at = ?4 AND m.id < ?5))");
	const { results } = await d1
		.prepare(
			`SELECT m.id, m.campaign_id AS campaignId, m.contact_id AS contactId,
			        CASE WHEN c.erased_at IS NULL THEN c.phone END AS phone, m.link_code AS linkCode, m.variant, m.kind,
			        m.provider, m.provider_message_id AS providerMessageId, m.status, m.body, m.segments, m.encoding,
			        m.error_code AS errorCode, m.error_message AS errorMessage, m.created_at AS createdAt,
			        m.submitted_at AS submittedAt, m.sent_at AS sentAt, m.delivered_at AS deliveredAt,
			        m.undelivered_at AS undeliveredAt, m.failed_at AS failedAt, m.read_at AS readAt,
			        l.first_human_click_at AS firstTapAt,
			        (SELECT min(p.occurred_at) FROM purchases p INDEXED BY purchases_by_contact
			         WHERE p.contact_id = m.contact_id AND p.link_code = m.link_code AND (p.attributed_by = 'click_id'
			           OR p.lag_ms <= (SELECT attribution_window_days FROM workspaces WHERE id = ?1) * 86400000)) AS purchasedAt
			 FROM messages m ${query.campaignId ? "INDEXED BY messages_by_campaign_created" : "INDEXED BY messages_by_workspace_created"}
			 LEFT JOIN contacts c ON c.id = m.contact_id
			 LEFT JOIN links l ON l.code = m.link_code
			 WHERE ${where.join(" AND ")}
			 ORDER BY m.created_at DESC, m.id DESC LIMIT ?6`,
		)
		.bind(
			workspaceId,
			query.campaignId,
			query.status,
			query.after?.createdAt ?? null,
			query.after?.id ?? null,
			query.limit,
		)
		.all<MessageRow>();
	return results;
}

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
	const statements: D1PreparedStatement[] = [
		d1
			.prepare(
				`SELECT j.value ->> '$.index' AS idx, m.id,
				        min(m.created_at, coalesce((SELECT l.created_at FROM links l WHERE l.code = m.link_code), m.created_at)) AS notBefore
				 FROM json_each(?2) AS j
				 CROSS JOIN messages m ON m.id = j.value ->> '$.messageId' AND m.workspace_id = ?1`,
			)
			.bind(workspaceId, JSON.stringify(byId)),
	];
	if (byPhone.length > 0) {
		const json = JSON.stringify(byPhone);
		statements.push(
			// Starts as "unknown" (not "pending"), so Tapline's own sender never picks it up.
			d1
				.prepare(
					`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, status,
					                       created_at, updated_at)
					 SELECT j.value ->> '$.id', ?1, l.campaign_id, c.id, l.code, l.variant, 'campaign', 'external', 'unknown', ?3, ?3
					 FROM json_each(?2) AS j
					 CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = j.value ->> '$.phone'
					 CROSS JOIN links l ON l.campaign_id = j.value ->> '$.campaignId' AND l.contact_id = c.id
					   AND l.kind = 'campaign' AND l.deleted_at IS NULL AND l.workspace_id = ?1
					 WHERE true
					 ON CONFLICT DO NOTHING`,
				)
				.bind(workspaceId, json, now),
			d1
				.prepare(
					`SELECT j.value ->> '$.index' AS idx, m.id,
					        min(m.created_at, coalesce((SELECT l.created_at FROM links l WHERE l.code = m.link_code), m.created_at)) AS notBefore
					 FROM json_each(?2) AS j
					 CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = j.value ->> '$.phone'
					 CROSS JOIN messages m ON m.campaign_id = j.value ->> '$.campaignId' AND m.contact_id = c.id
					   AND m.kind = 'campaign' AND m.workspace_id = ?1`,
				)
				.bind(workspaceId, json),
		);
	}
	const results = await d1.batch<{ idx: number; id: string; notBefore: number }>(statements);
	const resolved = new Map<number, { id: string; notBefore: number }>();
	for (const result of [results[0], results[2]]) {
		for (const row of result?.results ?? []) resolved.set(Number(row.idx), { id: row.id, notBefore: row.notBefore });
	}
	return resolved;
}
