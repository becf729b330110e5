import { PURCHASE_MESSAGE_VERSION, type PurchaseMessage } from "../events/messages";
import type { PurchaseEvent } from "./purchase-event";

/** Puts a purchase on the events queue; attribution and storage happen in the consumer. */
export async function sendPurchase(env: Env, purchase: PurchaseEvent): Promise<void> {
	const message: PurchaseMessage = { v: PURCHASE_MESSAGE_VERSION, type: "purchase", purchase };
	await env.EVENTS.send(message, { contentType: "json" });
}
