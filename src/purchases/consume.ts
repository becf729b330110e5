import { config } from "../config";
import type { PurchaseSource } from "../db/schema";
import { emitEvents } from "../outbound-webhooks/emit";
import { purchaseAttributed } from "../outbound-webhooks/events";
import { type Received, retryLater } from "../queue/policy";
import { type Pending, writeTogether } from "../queue/write-together";
import { fromMinor } from "./money";
import { type IncomingPurchase, type PurchasePlan, planPurchases } from "./prepare";
import { PurchaseEnvelope } from "./purchase-event";
import { type PurchaseRow, recordPurchases, type StoredPurchase } from "./queries";

// A purchase whose click id is not stored yet is looked at again after the taps ahead of it have been written.
export const CLICK_WAIT_SECONDS = 30;

/**
 * The purchases of one events-queue batch: attributed (to the click they name, else the contact's last human tap
 * in the window), then written in one D1 batch, once per order. Run after the batch's taps, so that a purchase finds
 * a click that travelled with it.
 */
export async function consumePurchases(env: Env, received: Received<PurchaseEnvelope>[]): Promise<void> {
	if (received.length === 0) return;
	const incoming: IncomingPurchase[] = received.map(({ body }) => ({ event: body.purchase }));
	const settings = config(env);
	let plans: PurchasePlan[];
	try {
		plans = await planPurchases(env.DB, incoming, settings.pixelCaps);
	} catch (err) {
		for (const { message } of received) retryLater(message, "purchase write", err);
		return;
	}
	const writes: Pending<PurchaseRow>[] = [];
	const waits: Received<PurchaseEnvelope>[] = [];
	plans.forEach((plan, i) => {
		const item = received[i] as Received<PurchaseEnvelope>;
		const { message } = item;
		if (plan.action === "write") {
			writes.push({ message, rows: [plan.row] });
		} else if (plan.action === "wait-for-click") {
			waits.push(item);
		} else {
			console.log(JSON.stringify({ msg: "purchase dropped", id: message.id, reason: plan.reason }));
			message.ack();
		}
	});
	await waitForClicks(env, waits);
	// Reported from the orders as stored (first value, best attribution), not from the report that just came in.
	await writeTogether("purchase write", writes, async (rows) => {
		const stored = await recordPurchases(env.DB, rows);
		await emitEvents(env, stored.filter((p) => p.campaignId !== null && p.verified === 1).map(attributedEvent));
	});
}

/**
 * Puts purchases whose click is not stored yet back on the queue as new messages, delayed, with their wait counted
 * in the body, then acks the originals: waiting is not a failure and must not use up the attempts (max_retries)
 * that a failing write needs. Should the send fail, that is a failure, retried with the usual backoff. Sent twice
 * (the ack lost), the purchase is still stored once: orders are unique per workspace.
 */
async function waitForClicks(env: Env, waits: Received<PurchaseEnvelope>[]): Promise<void> {
	if (waits.length === 0) return;
	try {
		await env.EVENTS.sendBatch(
			waits.map(({ body }) => ({
				body: PurchaseEnvelope.wrap({
					purchase: { ...body.purchase, clickWaits: (body.purchase.clickWaits ?? 0) + 1 },
				}),
				contentType: "json" as const,
				delaySeconds: CLICK_WAIT_SECONDS,
			})),
		);
		for (const { message } of waits) message.ack();
	} catch (err) {
		for (const { message } of waits) retryLater(message, "purchase click wait", err);
	}
}

// An order known only from the unsigned pixel has its own event id (…:pixel): when a trusted report replaces it
// (another value, currency or attribution), the corrected order is a new event, which receivers do not drop as a
// redelivery of the pixel's. Trusted reports keep the plain id.
const attributedEvent = (r: StoredPurchase) => {
	const event = purchaseAttributed({
		workspaceId: r.workspaceId,
		orderId: r.orderId,
		campaignId: r.campaignId as string,
		contactId: r.contactId,
		clickId: r.clickId,
		linkCode: r.linkCode,
		variant: r.variant,
		value: fromMinor(r.valueMinor, r.currency),
		currency: r.currency,
		// The columns hold only these values (the schema's enums); D1 answers them as strings.
		source: r.source as PurchaseSource,
		attributedBy: r.attributedBy as "click_id" | "last_click" | null,
		occurredAt: r.occurredAt,
	});
	return r.source === "pixel" ? { ...event, id: `${event.id}:pixel` } : event;
};
