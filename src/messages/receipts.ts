import { recordConsent } from "../consent/queries";
import { batch, type Statement } from "../db/sql";
import { contactOptedOut, messageDelivered, type WebhookEvent } from "../outbound-webhooks/events";
import { applyChanges, messageOwners } from "./queries";
import type { ReceiptEvent } from "./receipt-event";

// Twilio: "Attempt to send to unsubscribed recipient". Arrives in a receipt when a Messaging Service sends.
export const UNSUBSCRIBED_CODE = "21610";

/**
 * Applies receipts in one D1 batch. Each is a one-way state change, so duplicates and any order give the same rows.
 * A receipt saying the recipient has unsubscribed also records their opt-out. Returns the outbound webhook events
 * the receipts made true: a message delivered (by the receipt that set its delivery time, so a late duplicate
 * emits nothing; a retried batch emits again, with the same event id) and opt-outs.
 */
export async function recordReceipts(
	d1: D1Database,
	receipts: ReceiptEvent[],
	now: number,
): Promise<{ events: WebhookEvent[] }> {
	const changes = applyChanges(
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
	const consent: Statement<never>[] = [];
	const events: WebhookEvent[] = [];
	const unsubscribed = receipts.filter((r) => r.errorCode === UNSUBSCRIBED_CODE);
	const owners = unsubscribed.length === 0 ? [] : await messageOwners(d1, unsubscribed);
	for (const owner of owners) {
		const change = {
			workspaceId: owner.workspaceId,
			contactId: owner.contactId,
			kind: "opt_out" as const,
			source: "provider" as const,
			detail: UNSUBSCRIBED_CODE,
			sourceId: `message:${owner.id}`,
			at: owner.at,
		};
		consent.push(...recordConsent(d1, change));
		if (owner.phone) events.push(contactOptedOut({ ...change, phone: owner.phone }));
	}
	if (changes.length + consent.length === 0) return { events };
	const results = await batch(d1, [...changes, ...consent]);

	// When each message was reported delivered in this batch: by Tapline's id, or by the provider's.
	const deliveredAt = new Map<string, Set<number>>();
	for (const r of receipts) {
		if (r.status !== "delivered" && r.status !== "read") continue;
		for (const key of [r.messageId && `id:${r.messageId}`, r.providerMessageId && `sid:${r.providerMessageId}`]) {
			if (key) deliveredAt.set(key, (deliveredAt.get(key) ?? new Set()).add(r.at));
		}
	}
	for (const result of results.slice(0, changes.length)) {
		for (const m of result.results) {
			if (m.deliveredAt === null || (m.status !== "delivered" && m.status !== "read")) continue;
			const ats = [deliveredAt.get(`id:${m.id}`), deliveredAt.get(`sid:${m.providerMessageId}`)];
			if (ats.some((set) => set?.has(m.deliveredAt as number))) {
				events.push(messageDelivered({ ...m, deliveredAt: m.deliveredAt }));
			}
		}
	}
	return { events };
}
