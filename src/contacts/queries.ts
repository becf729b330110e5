import { optedOutSql } from "../consent/consent-sql";
import { consentHistory } from "../consent/queries";
import { all, batch, first, query, type Rows } from "../db/sql";

export type ContactDetails = Pick<
	Rows["contacts"],
	"id" | "phone" | "externalId" | "timezone" | "stage" | "createdAt" | "optedOutAt"
>;

const CONTACT_COLUMNS = `id, phone, external_id AS externalId, timezone, stage, created_at AS createdAt,
                         opted_out_at AS optedOutAt`;
const CONTACT_BY_ID = query<ContactDetails, [workspaceId: string, id: string]>(
	`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE workspace_id = ?1 AND id = ?2 AND erased_at IS NULL`,
);
const CONTACT_BY_PHONE = query<ContactDetails, [workspaceId: string, phone: string]>(
	`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE workspace_id = ?1 AND phone = ?2 AND erased_at IS NULL`,
);

/** A live (not erased) contact of the workspace, by id or by E.164 phone. */
export async function findContact(
	d1: D1Database,
	workspaceId: string,
	by: { id: string } | { phone: string },
): Promise<ContactDetails | null> {
	return first(
		"id" in by ? CONTACT_BY_ID.bind(d1, workspaceId, by.id) : CONTACT_BY_PHONE.bind(d1, workspaceId, by.phone),
	);
}

const CONTACT_MESSAGES = query<
	Pick<
		Rows["messages"],
		"id" | "campaignId" | "kind" | "status" | "createdAt" | "sentAt" | "deliveredAt" | "errorCode"
	>,
	[contactId: string]
>(
	`SELECT id, campaign_id AS campaignId, kind, status, created_at AS createdAt, sent_at AS sentAt,
	        delivered_at AS deliveredAt, error_code AS errorCode
	 FROM messages WHERE contact_id = ?1 ORDER BY created_at DESC LIMIT 100`,
);

/** The contact with its consent history and its messages, newest first. */
export async function contactProfile(d1: D1Database, contact: ContactDetails) {
	const [consent, messages] = await Promise.all([
		consentHistory(d1, contact.id),
		all(CONTACT_MESSAGES.bind(d1, contact.id)),
	]);
	return { consent, messages };
}

type Erase = [contactId: string, now: number];
const LIVE_LINK_CODES = query<Pick<Rows["links"], "code">, [contactId: string]>(
	"SELECT code FROM links WHERE contact_id = ?1 AND deleted_at IS NULL",
);
const DEACTIVATE_LINKS = query<never, Erase>(
	"UPDATE links SET deleted_at = ?2 WHERE contact_id = ?1 AND deleted_at IS NULL",
);
const CANCEL_PENDING_MESSAGES = query<never, Erase>(
	`UPDATE messages SET status = 'canceled', canceled_at = ?2, error_code = 'erased', updated_at = ?2
	 WHERE contact_id = ?1 AND status = 'pending'`,
);
// No follow-up will go: one waiting, or one just cancelled above, is skipped as for an opt-out (an erasure is
// the strongest one), keeping what had held it back.
const SKIP_FOLLOW_UPS = query<never, Erase>(
	`UPDATE follow_ups SET status = 'skipped', reason = 'opted_out', updated_at = ?2,
	        held_by = CASE WHEN status = 'waiting' AND reason IN ('quiet_hours', 'capped') THEN reason ELSE held_by END
	 WHERE contact_id = ?1 AND (status = 'waiting' OR (status = 'sent' AND message_id IN (
	   SELECT id FROM messages WHERE contact_id = ?1 AND status = 'canceled' AND canceled_at = ?2)))`,
);
const CLEAR_MESSAGE_TEXT = query<never, Erase>(
	`UPDATE messages SET body = NULL, provider_message_id = NULL, error_message = NULL, updated_at = ?2
	 WHERE contact_id = ?1`,
);
const UNTIE_CLICKS = query<never, [contactId: string]>(
	`UPDATE clicks SET contact_id = NULL, user_agent = NULL, referer = NULL, city = NULL, region = NULL
	 WHERE contact_id = ?1`,
);
// What outlives the erasure: an opted-out contact's phone stays on the workspace's suppression list, by its keyed
// hash, so the number minted again comes back opted out (src/consent/suppression.ts).
const KEEP_OPT_OUT = query<never, [contactId: string, phoneHash: string, now: number]>(
	`INSERT INTO suppressions (workspace_id, phone_hash, source, at)
	 SELECT c.workspace_id, ?2, 'erasure', ?3 FROM contacts c WHERE c.id = ?1 AND ${optedOutSql("c")}
	 ON CONFLICT DO NOTHING`,
);
// Copies of the contact outside their own rows: the delivery log keeps each event's payload (a contact.opted_out
// carries the phone) and a dead letter keeps its message's body (a purchase may carry the phone). Both tables are
// small (100 deliveries per endpoint; dead letters are exceptions), so a scan within the workspace is cheap.
const FORGET_DELIVERIES = query<never, [contactId: string]>(
	`DELETE FROM webhook_deliveries
	 WHERE workspace_id = (SELECT workspace_id FROM contacts WHERE id = ?1) AND instr(payload, ?1) > 0`,
);
const FORGET_DEAD_LETTERS = query<never, [contactId: string, phone: string]>(
	`DELETE FROM dead_letters
	 WHERE (workspace_id IS NULL OR workspace_id = (SELECT workspace_id FROM contacts WHERE id = ?1))
	   AND (instr(body, ?1) > 0 OR instr(body, ?2) > 0)`,
);
const DELETE_CONSENT_HISTORY = query<never, [contactId: string]>("DELETE FROM consent_events WHERE contact_id = ?1");
const ERASE_CONTACT = query<never, Erase>(
	`UPDATE contacts SET phone = 'erased:' || id, external_id = NULL, timezone = NULL, opted_out_at = NULL,
	        phone_hash = NULL, erased_at = ?2
	 WHERE id = ?1`,
);

/**
 * Erases a contact (right to erasure), in one D1 batch: the phone becomes a random placeholder and every personal
 * field is cleared; links stop redirecting; messages lose their text and the provider's id (which the provider could
 * map back to the phone); clicks lose their tie to the contact and their raw details; consent history is deleted, and so are the webhook
 * delivery log's payloads and the dead letters that name the contact or the phone.
 * An opted-out contact's opt-out stays, as the keyed hash of the phone on the suppression list (`phoneHash`, computed
 * by the caller from the phone). What stays is anonymous: counts, statuses and times, so campaign aggregates keep adding up. Returns the link codes
 * that stopped redirecting, for the caller to evict from the link cache.
 */
export async function eraseContact(
	d1: D1Database,
	contact: { id: string; phone: string; phoneHash: string },
	now: number,
): Promise<string[]> {
	const contactId = contact.id;
	const [live] = await batch(d1, [
		LIVE_LINK_CODES.bind(d1, contactId),
		DEACTIVATE_LINKS.bind(d1, contactId, now),
		CANCEL_PENDING_MESSAGES.bind(d1, contactId, now),
		SKIP_FOLLOW_UPS.bind(d1, contactId, now),
		CLEAR_MESSAGE_TEXT.bind(d1, contactId, now),
		UNTIE_CLICKS.bind(d1, contactId),
		KEEP_OPT_OUT.bind(d1, contactId, contact.phoneHash, now),
		FORGET_DELIVERIES.bind(d1, contactId),
		FORGET_DEAD_LETTERS.bind(d1, contactId, contact.phone),
		DELETE_CONSENT_HISTORY.bind(d1, contactId),
		ERASE_CONTACT.bind(d1, contactId, now),
	]);
	return live.results.map((r) => r.code);
}
