import type { FollowUpReason } from "../db/schema";
import type { MessageStatus } from "../messages/status";

/** Where a page of the follow-up listing starts: after this (first tap, contact), newest first. */
export interface FollowUpCursor {
	firstTapAt: number;
	contactId: string;
}

export interface FollowUpListRow {
	contactId: string;
	/** Null once the contact is erased. */
	phone: string | null;
	externalId: string | null;
	status: "sent" | "waiting" | "skipped";
	reason: FollowUpReason | null;
	heldBy: FollowUpReason | null;
	firstTapAt: number;
	retryAt: number | null;
	decidedAt: number;
	messageId: string | null;
	messageStatus: MessageStatus | null;
	sentAt: number | null;
	deliveredAt: number | null;
	errorCode: string | null;
	followUpCode: string | null;
	followUpFirstTapAt: number | null;
}

/**
 * A campaign's follow-up decisions, newest first tap first, after the cursor. One range of
 * follow_ups_by_campaign_first_tap, which also holds the columns the filters read, so a filter that matches few
 * rows costs index entries, not table rows; the contact, message and link are one primary-key lookup each.
 */
export async function listFollowUps(
	d1: D1Database,
	campaignId: string,
	query: {
		status: FollowUpListRow["status"] | null;
		reason: FollowUpReason | null;
		limit: number;
		after: FollowUpCursor | null;
	},
): Promise<FollowUpListRow[]> {
	const where = ["f.campaign_id = ?1"];
	if (query.status) where.push("f.status = ?2");
	if (query.reason) where.push("f.reason = ?3");
	if (query.after) where.push("f.first_tap_at <= ?4 AND (f.first_tap_at < ?4 OR f.contact_id < ?5)");
	const { results } = await d1
		.prepare(
			`SELECT f.contact_id AS contactId, CASE WHEN c.erased_at IS NULL THEN c.phone END AS phone,
			        CASE WHEN c.erased_at IS NULL THEN c.external_id END AS externalId, f.status, f.reason,
			        f.held_by AS heldBy, f.first_tap_at AS firstTapAt, f.retry_at AS retryAt, f.updated_at AS decidedAt,
			        m.id AS messageId, m.status AS messageStatus, m.sent_at AS sentAt, m.delivered_at AS deliveredAt,
			        m.error_code AS errorCode, l.code AS followUpCode, l.first_human_click_at AS followUpFirstTapAt
			 FROM follow_ups f INDEXED BY follow_ups_by_campaign_first_tap
			 LEFT JOIN contacts c ON c.id = f.contact_id
			 LEFT JOIN messages m ON m.id = f.message_id
			 LEFT JOIN links l ON l.code = m.link_code
			 WHERE ${where.join(" AND ")}
			 ORDER BY f.first_tap_at DESC, f.contact_id DESC LIMIT ?6`,
		)
		.bind(
			campaignId,
			query.status,
			query.reason,
			query.after?.firstTapAt ?? null,
			query.after?.contactId ?? null,
			query.limit,
		)
		.all<FollowUpListRow>();
	return results;
}
