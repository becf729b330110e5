import { unlessErased } from "../contacts/contact-sql";
import type { FollowUpReason } from "../db/schema";
import { all, query, type Rows } from "../db/sql";
import type { MessageStatus } from "../messages/status";

/** Where a page of the follow-up listing starts: after this (first tap, contact), newest first. */
export interface FollowUpCursor {
	firstTapAt: number;
	contactId: string;
}

export type FollowUpListRow = Pick<
	Rows["followUps"],
	"contactId" | "status" | "reason" | "heldBy" | "firstTapAt" | "retryAt" | "messageId"
> & {
	/** Null once the contact is erased. */
	phone: Rows["contacts"]["phone"] | null;
	externalId: Rows["contacts"]["externalId"];
	decidedAt: Rows["followUps"]["updatedAt"];
	messageStatus: MessageStatus | null;
	sentAt: Rows["messages"]["sentAt"];
	deliveredAt: Rows["messages"]["deliveredAt"];
	errorCode: Rows["messages"]["errorCode"];
	followUpCode: Rows["links"]["code"] | null;
	followUpFirstTapAt: Rows["links"]["firstHumanClickAt"];
};

/**
 * A campaign's follow-up decisions, newest first tap first, after the cursor. One range of
 * follow_ups_by_campaign_first_tap, which also holds the columns the filters read, so a filter that matches few
 * rows costs index entries, not table rows; the contact, message and link are one primary-key lookup each.
 */
export async function listFollowUps(
	d1: D1Database,
	campaignId: string,
	filter: {
		status: FollowUpListRow["status"] | null;
		reason: FollowUpReason | null;
		limit: number;
		after: FollowUpCursor | null;
	},
): Promise<FollowUpListRow[]> {
	const where = ["f.campaign_id = ?1"];
	if (filter.status) where.push("f.status = ?2");
	if (filter.reason) where.push("f.reason = ?3");
	if (filter.after) where.push("f.first_tap_at <= ?4 AND (f.first_tap_at < ?4 OR f.contact_id < ?5)");
	const list = query<
		FollowUpListRow,
		[
			campaignId: string,
			status: FollowUpListRow["status"] | null,
			reason: FollowUpReason | null,
			afterAt: number | null,
			afterContact: string | null,
			limit: number,
		]
	>(
		`SELECT f.contact_id AS contactId, ${unlessErased("c", "phone")} AS phone,
		        ${unlessErased("c", "external_id")} AS externalId, f.status, f.reason,
		        f.held_by AS heldBy, f.first_tap_at AS firstTapAt, f.retry_at AS retryAt, f.updated_at AS decidedAt,
		        m.id AS messageId, m.status AS messageStatus, m.sent_at AS sentAt, m.delivered_at AS deliveredAt,
		        m.error_code AS errorCode, l.code AS followUpCode, l.first_human_click_at AS followUpFirstTapAt
		 FROM follow_ups f INDEXED BY follow_ups_by_campaign_first_tap
		 LEFT JOIN contacts c ON c.id = f.contact_id
		 LEFT JOIN messages m ON m.id = f.message_id
		 LEFT JOIN links l ON l.code = m.link_code
		 WHERE ${where.join(" AND ")}
		 ORDER BY f.first_tap_at DESC, f.contact_id DESC LIMIT ?6`,
	);
	return all(
		list.bind(
			d1,
			campaignId,
			filter.status,
			filter.reason,
			filter.after?.firstTapAt ?? null,
			filter.after?.contactId ?? null,
			filter.limit,
		),
	);
}
