import type { PurchaseSource } from "../db/schema";
import { emitEvents } from "../outbound-webhooks/emit";
import { purchaseAttributed } from "../outbound-webhooks/events";
import { type Received, retryLater } from "../queue/policy";
import { type Pending, writeTogether } from "../queue/write-together";
import { fromMinor } from "./money";
import { type IncomingPurchase, type PurchasePlan, planPurchases } from "./prepare";
import type { PurchaseEnvelope } from "./purchase-event";
import { type PurchaseRow, recordPurchases, type StoredPurchase } from "./queries";

// A purchase whose click id is not stored yet is looked at again after the taps ahead of it have been written.
const CLICK_WAIT_SECONDS = 30;

/**
 * The purchases of one events-queue batch: attributed (to the click they name, else the contact's last human tap
 * in the window), then written in one D1 batch, once per order. Run after the batch's taps, so that a purchase finds
 * a click that travelled with it.
 */
export async function consumePurchases(env: Env, received: Received<PurchaseEnvelope>[]): Promise<void> {
	if (received.length === 0) return;
	const incoming: IncomingPurchase[] = received.map(({ message, body }) => ({
		event: body.purchase,
		attempts: message.attempts,
	}));
	let plans: PurchasePlan[];
	try {
		plans = await planPurchases(env.DB, incoming);
	} catch (err) {
		for (const { message } of received) retryLater(message, "purchase write", err);
		return;
	}
	const writes: Pending<PurchaseRow>[] = [];
	plans.forEach((plan, i) => {
		const { message } = received[i] as Received<PurchaseEnvelope>;
		if (plan.action === "write") {
			writes.push({ message, rows: [plan.row] });
		} else if (plan.action === "wait-for-click") {
			message.retry({ delaySeconds: CLICK_WAIT_SECONDS });
		} else {
			console.log(JSON.stringify({ msg: "purchase dropped", id: message.id, reason: plan.reason }));
			message.ack();
		}
	});
	// Reported from the orders as stored (first value, best attribution), not from the report that just came in.
	await writeTogether("purchase write", writes, async (rows) => {
		const stored = await recordPurchases(env.DB, rows);
		await emitEvents(env, stored.filter((p) => p.campaignId !== null && p.verified === 1).map(attributedEvent));
	});
}

const attributedEvent = (r: StoredPurchase) =>
	purchaseAttributed({
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
