import { recordConsent } from "../consent/queries";
import { applyChanges } from "./queries";
import type { ReceiptEvent } from "./receipt-event";

// Twilio: "Attempt to send to unsubscribed recipient". Arrives in a receipt when a Messaging Service sends.
export const UNSUBSCRIBED_CODE = "21610";

/**
 * Applies receipts in one D1 batch. Each is a one-way state change, so duplicates and any order give the same rows.
 * A receipt saying the recipient has unsubscribed also records their opt-out.
 */
export async function recordReceipts(d1: D1Database, receipts: ReceiptEvent[], now: number): Promise<void> {
	const statements = applyChanges(
		d1,
		receipts.map((r) => ({
			messageId: r.messageId ?? null,
			provider: r.provider,
			providerMessageId: r.providerMessageId ?? null,
			status: r.status,
			at: r.at,
			errorCode: r.errorCode ?? null,
			errorMessage: r.errorMessage ?? null,
		})),
		now,
	);
	const unsubscribed = receipts.filter((r) => r.errorCode === UNSUBSCRIBED_CODE);
	for (const owner of await messageOwners(d1, unsubscribed)) {
		statements.push(
			...recordConsent(d1, {
				workspaceId: owner.workspaceId,
				contactId: owner.contactId,
				kind: "opt_out",
				source: "provider",
				detail: UNSUBSCRIBED_CODE,
				sourceId: `message:${owner.id}`,
				at: owner.at,
			}),
		);
	}
	if (statements.length > 0) await d1.batch(statements);
}

async function messageOwners(d1: D1Database, receipts: ReceiptEvent[]) {
	if (receipts.length === 0) return [];
	const keys = receipts.map((r) => ({ id: r.messageId ?? null, sid: r.providerMessageId ?? null, at: r.at }));
	const { results } = await d1
		.prepare(
			`SELECT m.id, m.workspace_id AS workspaceId, m.contact_id AS contactId, j.value ->> '$.at' AS at
			 FROM json_each(?1) AS j CROSS JOIN messages m ON m.id = j.value ->> '$.id'
			 UNION ALL
			 SELECT m.id, m.workspace_id, m.contact_id, j.value ->> '$.at'
			 FROM json_each(?1) AS j CROSS JOIN messages m
			   ON j.value ->> '$.id' IS NULL AND m.provider = 'twilio' AND m.provider_message_id = j.value ->> '$.sid'`,
		)
		.bind(JSON.stringify(keys))
		.all<{ id: string; workspaceId: string; contactId: string; at: number }>();
	return results;
}
