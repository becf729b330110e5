import { newId } from "../db/ids";
import { all, batch, first, query, type Rows, type Statement } from "../db/sql";

export type ConsentSource = Rows["consentEvents"]["source"];

/** An opt-out or opt-in, with what caused it: `sourceId` (an inbound message id, a provider error on a message). */
export type ConsentChange = Pick<
	Rows["consentEvents"],
	"workspaceId" | "contactId" | "kind" | "source" | "detail" | "sourceId" | "at"
>;

// Each statement changes nothing when the event's source was recorded before.
type Change = [contactId: string, workspaceId: string, sourceId: string, at: number];
const UNSEEN = `NOT EXISTS (SELECT 1 FROM consent_events WHERE workspace_id = ?2 AND contact_id = ?1 AND source_id = ?3)`;
const OPT_OUT = query<never, Change>(
	`UPDATE contacts SET opted_out_at = ?4 WHERE id = ?1 AND opted_out_at IS NULL AND ${UNSEEN}`,
);
const OPT_IN = query<never, [contactId: string, workspaceId: string, sourceId: string]>(
	`UPDATE contacts SET opted_out_at = NULL WHERE id = ?1 AND ${UNSEEN}`,
);
const CANCEL_PENDING_MESSAGES = query<never, Change>(
	`UPDATE messages SET status = 'canceled', canceled_at = ?4, error_code = 'opted_out', updated_at = ?4
	 WHERE contact_id = ?1 AND status = 'pending' AND ${UNSEEN}`,
);
// A follow-up cancelled so is skipped for good, and its row says why.
const SKIP_CANCELLED_FOLLOW_UPS = query<never, [contactId: string, at: number]>(
	`UPDATE follow_ups SET status = 'skipped', reason = 'opted_out', updated_at = ?2
	 WHERE status = 'sent' AND message_id IN (
	   SELECT id FROM messages WHERE contact_id = ?1 AND kind = 'followup' AND status = 'canceled'
	     AND canceled_at = ?2 AND error_code = 'opted_out')`,
);
const INSERT_CONSENT_EVENT = query<
	never,
	[
		id: string,
		workspaceId: string,
		contactId: string,
		kind: ConsentChange["kind"],
		source: ConsentSource,
		detail: string | null,
		sourceId: string,
		at: number,
	]
>(
	`INSERT INTO consent_events (id, workspace_id, contact_id, kind, source, detail, source_id, at)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING`,
);

/**
 * The statements that record a consent change, for one D1 batch. Keyed by its source: a webhook delivered twice
 * changes nothing the second time, even if the contact changed their mind in between. An opt-out also cancels the
 * contact's messages still waiting to be sent, from every campaign.
 */
export function recordConsent(d1: D1Database, change: ConsentChange): Statement<never>[] {
	const { workspaceId, contactId, sourceId, at } = change;
	const statements =
		change.kind === "opt_out"
			? [
					OPT_OUT.bind(d1, contactId, workspaceId, sourceId, at),
					CANCEL_PENDING_MESSAGES.bind(d1, contactId, workspaceId, sourceId, at),
					SKIP_CANCELLED_FOLLOW_UPS.bind(d1, contactId, at),
				]
			: [OPT_IN.bind(d1, contactId, workspaceId, sourceId)];
	statements.push(
		INSERT_CONSENT_EVENT.bind(
			d1,
			newId("cev"),
			workspaceId,
			contactId,
			change.kind,
			change.source,
			change.detail,
			sourceId,
			at,
		),
	);
	return statements;
}

export interface InboundContact {
	contactId: Rows["contacts"]["id"];
	workspaceId: Rows["contacts"]["workspaceId"];
	workspaceName: Rows["workspaces"]["name"];
	helpText: Rows["workspaces"]["helpText"];
	/** When a workspace last handed this contact a message for Twilio; null if never. */
	lastTextedAt: Rows["messages"]["submittedAt"];
}

const CONTACTS_FOR_INBOUND = query<InboundContact, [phone: string]>(
	`SELECT c.id AS contactId, c.workspace_id AS workspaceId, w.name AS workspaceName, w.help_text AS helpText,
	        (SELECT max(m.submitted_at) FROM messages m
	         WHERE m.contact_id = c.id AND m.provider = 'twilio') AS lastTextedAt
	 FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
	 WHERE c.phone = ?1 AND c.erased_at IS NULL`,
);

/**
 * The contacts a reply from this phone speaks for: every workspace that knows the phone. All workspaces of a
 * deployment text from the same Twilio sender, so to the recipient a STOP is a STOP to that number, whichever
 * workspace's message they answered, and a send another workspace has queued would still reach them from it.
 * The workspace that texted them last comes first; those that never texted them come after, in no useful order.
 */
export async function contactsForInbound(d1: D1Database, phone: string): Promise<InboundContact[]> {
	const results = await all(CONTACTS_FOR_INBOUND.bind(d1, phone));
	return results.sort((a, b) => (b.lastTextedAt ?? 0) - (a.lastTextedAt ?? 0));
}

/**
 * The workspace whose message the phone's holder last received from the sender, the only one a reply may name: a
 * workspace that merely knows the number (minted a link, never texted) is not theirs to learn of. Null when no
 * workspace ever texted the number.
 */
export function lastTexter(contacts: InboundContact[]): InboundContact | null {
	let last: InboundContact | null = null;
	for (const contact of contacts) {
		if (contact.lastTextedAt !== null && (last === null || contact.lastTextedAt > (last.lastTextedAt ?? 0))) {
			last = contact;
		}
	}
	return last;
}

const CLEAR_SUPPRESSION = query<never, [phoneHash: string]>("DELETE FROM suppressions WHERE phone_hash = ?1");

/** A START or UNSTOP from the number: its suppression rows go, in every workspace (they share the sender). */
export function clearSuppression(d1: D1Database, phoneHash: string): Statement<never> {
	return CLEAR_SUPPRESSION.bind(d1, phoneHash);
}

const LATEST_CONSENT_AT = query<{ at: number | null }, [workspaceId: string, contactId: string]>(
	"SELECT max(at) AS at FROM consent_events WHERE workspace_id = ?1 AND contact_id = ?2",
);

/**
 * Opts a contact out through the API (source `api`), idempotently: a contact already opted out is left as it is,
 * and the event is keyed by the contact's latest consent change, so two calls racing record one opt-out, while an
 * opt-out after a later START is a new one. Returns whether this call opted the contact out.
 */
export async function optOutByApi(
	d1: D1Database,
	workspaceId: string,
	contactId: string,
	at: number,
): Promise<{ changed: boolean; sourceId: string }> {
	const latest = (await first(LATEST_CONSENT_AT.bind(d1, workspaceId, contactId)))?.at ?? 0;
	const sourceId = `api:after:${latest}`;
	const statements = recordConsent(d1, {
		workspaceId,
		contactId,
		kind: "opt_out",
		source: "api",
		detail: null,
		sourceId,
		at,
	});
	const [optOut] = await batch(d1, statements);
	return { changed: (optOut?.meta.changes ?? 0) > 0, sourceId };
}

const CONSENT_HISTORY = query<Pick<Rows["consentEvents"], "kind" | "source" | "detail" | "at">, [contactId: string]>(
	"SELECT kind, source, detail, at FROM consent_events WHERE contact_id = ?1 ORDER BY at DESC LIMIT 100",
);

/** A contact's consent history, newest first. */
export async function consentHistory(d1: D1Database, contactId: string) {
	return all(CONSENT_HISTORY.bind(d1, contactId));
}
