import { PurchaseEnvelope, type PurchaseEvent } from "./purchase-event";

/** Puts a purchase on the events queue; attribution and storage happen in the consumer. */
export async function sendPurchase(env: Env, purchase: PurchaseEvent): Promise<void> {
	await env.EVENTS.send(PurchaseEnvelope.wrap({ purchase }), { contentType: "json" });
}
