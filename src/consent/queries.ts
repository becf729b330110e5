import { newId } from "../db/ids";

export type ConsentSource = "sms" | "provider" | "api";

/** An opt-out or opt-in, with what caused it: `sourceId` (an inbound message id, a provider error on a message). */
export interface ConsentChange {
	workspaceId: string;
	contactId: string;
	kind: "opt_out" | "opt_in";
	source: ConsentSource;
	detail: string | null;
	sourceId: string;
	at: number;
}

/**
 * The statements that record a consent change, for one D1 batch. Keyed by its source: a webhook delivered twice
 * changes nothing the second time, even if the contact changed their mind in between. An opt-out also cancels the
 * contact's messages still waiting to be sent, from every campaign.
 */
export function recordConsent(d1: D1Database, change: ConsentChange): D1PreparedStatement[] {
	const { workspaceId, contactId, sourceId, at } = change;
	const unseen = `NOT EXISTS (SELECT 1 FROM consent_events
	                WHERE workspace_id = ?2 AND contact_id = ?1 AND source_id = ?3)`;
	const statements = [
		change.kind === "opt_out"
			? d1
					.prepare(`UPDATE contacts SET opted_out_at = ?4 WHERE id = ?1 AND opted_out_at IS NULL AND ${unseen}`)
					.bind(contactId, workspaceId, sourceId, at)
			: d1
					.prepare(`UPDATE contacts SET opted_out_at = NULL WHERE id = ?1 AND ${unseen}`)
					.bind(contactId, workspaceId, sourceId),
	];
	if (change.kind === "opt_out") {
		statements.push(
			d1
				.prepare(
					`UPDATE messages SET status = 'canceled', canceled_at = ?4, error_code = 'opted_out', updated_at = ?4
					 WHERE contact_id = ?1 AND status = 'pending' AND ${unseen}`,
				)
				.bind(contactId, workspaceId, sourceId, at),
			// A follow-up cancelled so is skipped for good, and its row says why.
			d1
				.prepare(
					`UPDATE follow_ups SET status = 'skipped', reason = 'opted_out', updated_at = ?2
					 WHERE status = 'sent' AND message_id IN (
					   SELECT id FROM messages WHERE contact_id = ?1 AND kind = 'followup' AND status = 'canceled'
					     AND canceled_at = ?2 AND error_code = 'opted_out')`,
				)
				.bind(contactId, at),
		);
	}
	statements.push(
		d1
			.prepare(
				`INSERT INTO consent_events (id, workspace_id, contact_id, kind, source, detail, source_id, at)
				 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING`,
			)
			.bind(newId("cev"), workspaceId, contactId, change.kind, change.source, change.detail, sourceId, at),
	);
	return statements;
}

export interface InboundContact {
	contactId: string;
	workspaceId: string;
	workspaceName: string;
	helpText: string | null;
	/** When a workspace last handed this contact a message for Twilio; null if never. */
	lastTextedAt: number | null;
}

/**
 * The contacts a reply from this phone speaks for: every workspace that knows the phone. All workspaces of a
 * deployment text from the same Twilio sender, so to the recipient a STOP is a STOP to that number, whichever
 * workspace's message they answered, and a send another workspace has queued would still reach them from it.
 * The workspace that texted them last comes first (its HELP text answers).
 */
export async function contactsForInbound(d1: D1Database, phone: string): Promise<InboundContact[]> {
	const { results } = await d1
		.prepare(
			`SELECT c.id AS contactId, c.workspace_id AS workspaceId, w.name AS workspaceName, w.help_text AS helpText,
			        (SELECT max(m.submitted_at) FROM messages m
			         WHERE m.contact_id = c.id AND m.provider = 'twilio') AS lastTextedAt
			 FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
			 WHERE c.phone = ?1 AND c.erased_at IS NULL`,
		)
		.bind(phone)
		.all<InboundContact>();
	return results.sort((a, b) => (b.lastTextedAt ?? 0) - (a.lastTextedAt ?? 0));
}

/** A contact's consent history, newest first. */
export async function consentHistory(d1: D1Database, contactId: string) {
	const { results } = await d1
		.prepare(`SELECT kind, source, detail, at FROM consent_events WHERE contact_id = ?1 ORDER BY at DESC LIMIT 100`)
		.bind(contactId)
		.all<{ kind: string; source: string; detail: string | null; at: number }>();
	return results;
}
