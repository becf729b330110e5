import { newId } from "../db/ids";
import { attribute, type ClickFacts, LONGEST_WINDOW_MS } from "./attribution";
import type { PurchaseEvent } from "./purchase-event";
import {
	contactKey,
	findLastHumanClicks,
	loadPurchaseContext,
	type PurchaseContext,
	type PurchaseRow,
	webhookKey,
} from "./queries";

/** How many deliveries a purchase waits for the click its tlid names (the tap may still be on the queue). */
const CLICK_WAIT_ATTEMPTS = 3;

/** More pixel orders than this on one click are not credited to it: one tap does not buy over and over. */
export const MAX_PIXEL_ORDERS_PER_CLICK = 3;

export interface IncomingPurchase {
	event: PurchaseEvent;
	attempts: number;
}

export type PurchasePlan =
	| { action: "write"; row: PurchaseRow }
	| { action: "drop"; reason: "unknown-workspace" | "duplicate-webhook" }
	| { action: "wait-for-click" };

/** Decides, for each incoming purchase, what to store and how to attribute it. Reads only; writes nothing. */
export async function planPurchases(d1: D1Database, incoming: IncomingPurchase[]): Promise<PurchasePlan[]> {
	const context = await loadPurchaseContext(
		d1,
		incoming.map((i) => i.event),
	);
	const partial = incoming.map((item) => firstPass(item, context));
	const lookups = partial.flatMap((p) =>
		p.kind === "needs-last-click" ? [{ contactId: p.contactId, at: p.event.at }] : [],
	);
	const lastClicks = await findLastHumanClicks(d1, lookups, LONGEST_WINDOW_MS);
	let next = 0;
	const plans = partial.map((p): PurchasePlan => {
		if (p.kind === "final") return p.plan;
		const last = p.kind === "needs-last-click" ? (lastClicks[next++] ?? null) : null;
		return { action: "write", row: toRow(p.event, p.carried, p.contactId, last) };
	});
	return plans;
}

type FirstPass =
	| { kind: "final"; plan: PurchasePlan }
	| { kind: "ready"; event: PurchaseEvent; carried: ClickFacts | null; contactId: string | null }
	| { kind: "needs-last-click"; event: PurchaseEvent; carried: null; contactId: string };

function firstPass({ event, attempts }: IncomingPurchase, context: PurchaseContext): FirstPass {
	if (!context.workspaces.has(event.workspaceId))
		return { kind: "final", plan: { action: "drop", reason: "unknown-workspace" } };
	if (event.webhookId && context.seenWebhooks.has(webhookKey(event.workspaceId, event.webhookId))) {
		return { kind: "final", plan: { action: "drop", reason: "duplicate-webhook" } };
	}
	const click = event.tlid ? context.clicks.get(event.tlid) : undefined;
	// Only a click that is not stored anywhere yet may still be on its way; another workspace's click never will be.
	if (event.tlid && !click && attempts < CLICK_WAIT_ATTEMPTS)
		return { kind: "final", plan: { action: "wait-for-click" } };
	const pixelOrders = event.source === "pixel" && click ? (context.pixelOrdersByClick.get(click.id) ?? 0) : 0;
	const carried =
		click && click.workspaceId === event.workspaceId && pixelOrders < MAX_PIXEL_ORDERS_PER_CLICK ? click : null;
	if (carried) {
		// Counted as planned, so that pixel orders arriving in one batch are capped as well.
		if (event.source === "pixel") context.pixelOrdersByClick.set(carried.id, pixelOrders + 1);
		return { kind: "ready", event, carried, contactId: carried.contactId };
	}

	const contactId = identifyContact(event, context);
	return contactId
		? { kind: "needs-last-click", event, carried: null, contactId }
		: { kind: "ready", event, carried: null, contactId: null };
}

// The pixel is unsigned: it can name a click (checked above) but never a contact.
function identifyContact(event: PurchaseEvent, context: PurchaseContext): string | null {
	if (event.source === "pixel") return null;
	if (event.contactId && context.knownContactIds.has(contactKey(event.workspaceId, event.contactId)))
		return event.contactId;
	if (event.phone) {
		const id = context.contactsByPhone.get(contactKey(event.workspaceId, event.phone));
		if (id) return id;
	}
	if (event.externalId)
		return context.contactsByExternalId.get(contactKey(event.workspaceId, event.externalId)) ?? null;
	return null;
}

function toRow(
	event: PurchaseEvent,
	carried: ClickFacts | null,
	contactId: string | null,
	last: ClickFacts | null,
): PurchaseRow {
	return {
		id: newId("pur"),
		workspaceId: event.workspaceId,
		orderId: event.orderId,
		source: event.source,
		valueMinor: event.valueMinor,
		currency: event.currency,
		occurredAt: event.at,
		receivedAt: event.receivedAt,
		...attribute(event.at, carried, contactId, last),
		verified: event.source !== "pixel" || carried !== null ? 1 : 0,
		webhookId: event.webhookId,
	};
}
