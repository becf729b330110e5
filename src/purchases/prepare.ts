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

/**
 * How many times a purchase is put back on the queue to wait for the click its tlid names (the tap may still be on
 * the queue). Counted in the message itself (`clickWaits`), not in the queue's attempts, which stay for write
 * failures.
 */
export const CLICK_WAITS = 3;

/** More pixel orders than this on one click are not credited to it: one tap does not buy over and over. */
export const MAX_PIXEL_ORDERS_PER_CLICK = 3;

/** A click id carried by a purchase made this long before the click (clock skew between shop and us) still fits. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The pixel's hourly caps (config: PIXEL_ORDERS_PER_CONTACT_HOUR, PIXEL_ORDERS_PER_WORKSPACE_HOUR). */
export interface PixelCaps {
	perContactHour: number;
	perWorkspaceHour: number;
}

export interface IncomingPurchase {
	event: PurchaseEvent;
}

export type PurchasePlan =
	| { action: "write"; row: PurchaseRow }
	| { action: "drop"; reason: "unknown-workspace" | "duplicate-webhook" }
	| { action: "wait-for-click" };

/** Decides, for each incoming purchase, what to store and how to attribute it. Reads only; writes nothing. */
export async function planPurchases(
	d1: D1Database,
	incoming: IncomingPurchase[],
	caps: PixelCaps,
): Promise<PurchasePlan[]> {
	const context = await loadPurchaseContext(
		d1,
		incoming.map((i) => i.event),
	);
	const credited = { byContact: new Map<string, number>(), byWorkspace: new Map<string, number>() };
	const partial = incoming.map((item, i) => firstPass(item, i, context, caps, credited));
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

function firstPass(
	{ event }: IncomingPurchase,
	index: number,
	context: PurchaseContext,
	caps: PixelCaps,
	credited: { byContact: Map<string, number>; byWorkspace: Map<string, number> },
): FirstPass {
	if (!context.workspaces.has(event.workspaceId))
		return { kind: "final", plan: { action: "drop", reason: "unknown-workspace" } };
	if (event.webhookId && context.seenWebhooks.has(webhookKey(event.workspaceId, event.webhookId))) {
		return { kind: "final", plan: { action: "drop", reason: "duplicate-webhook" } };
	}
	const click = event.tlid ? context.clicks.get(event.tlid) : undefined;
	// Only a click that is not stored anywhere yet may still be on its way; another workspace's click never will be.
	if (event.tlid && !click && (event.clickWaits ?? 0) < CLICK_WAITS)
		return { kind: "final", plan: { action: "wait-for-click" } };
	// A click id earns a purchase only when it names a human tap of the workspace that came before the purchase and
	// within the longest window: a HEAD, a bot, a preview or a prefetch never does, whoever reports it.
	const earns =
		click !== undefined &&
		click.workspaceId === event.workspaceId &&
		click.human === 1 &&
		event.at - click.clickedAt >= -CLOCK_SKEW_MS &&
		event.at - click.clickedAt <= LONGEST_WINDOW_MS;
	const carried = earns && (event.source !== "pixel" || creditPixel(event, index, click, context, caps, credited));
	if (carried && click !== undefined) return { kind: "ready", event, carried: click, contactId: click.contactId };

	const contactId = identifyContact(event, context);
	return contactId
		? { kind: "needs-last-click", event, carried: null, contactId }
		: { kind: "ready", event, carried: null, contactId: null };
}

/**
 * Whether the unsigned pixel may credit this order to the click it names: under the per-click cap and the hourly
 * caps per contact and per workspace, counted from the stored orders plus the ones planned in this batch (so that
 * a burst in one batch is capped too). Minting fresh clicks does not help: the contact's and the workspace's caps
 * do not depend on the click.
 */
function creditPixel(
	event: PurchaseEvent,
	index: number,
	click: ClickFacts,
	context: PurchaseContext,
	caps: PixelCaps,
	credited: { byContact: Map<string, number>; byWorkspace: Map<string, number> },
): boolean {
	const stored = context.pixelCredits.get(index) ?? { contact: 0, workspace: 0 };
	const perClick = context.pixelOrdersByClick.get(click.id) ?? 0;
	const byContact = click.contactId === null ? 0 : stored.contact + (credited.byContact.get(click.contactId) ?? 0);
	const byWorkspace = stored.workspace + (credited.byWorkspace.get(event.workspaceId) ?? 0);
	if (
		perClick >= MAX_PIXEL_ORDERS_PER_CLICK ||
		byContact >= caps.perContactHour ||
		byWorkspace >= caps.perWorkspaceHour
	)
		return false;
	context.pixelOrdersByClick.set(click.id, perClick + 1);
	if (click.contactId !== null)
		credited.byContact.set(click.contactId, (credited.byContact.get(click.contactId) ?? 0) + 1);
	credited.byWorkspace.set(event.workspaceId, (credited.byWorkspace.get(event.workspaceId) ?? 0) + 1);
	return true;
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
