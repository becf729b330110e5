import { type ClickRow, toClickRow } from "../clicks/click-row";
import { recordClicks } from "../clicks/queries";
import type { PurchaseSource } from "../db/schema";
import type { ReceiptEvent } from "../messages/receipt-event";
import { recordReceipts } from "../messages/receipts";
import { fromMinor } from "../purchases/money";
import { type IncomingPurchase, type PurchasePlan, planPurchases } from "../purchases/prepare";
import { type PurchaseRow, recordPurchases, type StoredPurchase } from "../purchases/queries";
import { emitEvents } from "../webhooks/emit";
import { linkClicked, purchaseAttributed, type WebhookEvent } from "../webhooks/events";
import { EventMessage } from "./messages";

// Capped exponential backoff for messages whose write failed: 10 s, 20 s, 40 s … up to 10 minutes.
export function retryDelaySeconds(attempts: number): number {
	return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}

interface Pending<Row> {
	message: Message<unknown>;
	rows: Row[];
}

// A purchase whose click id is not stored yet is looked at again after the taps ahead of it have been written.
const CLICK_WAIT_SECONDS = 30;

/**
 * The events queue consumer. Messages are validated (the ones that can never be valid go to the dead-letter queue
 * at once), and the valid ones of each kind are written together in one D1 batch: taps first, so that a purchase
 * in the same batch finds the click it names, then SMS receipts, then purchases. Every message ends acked or retried with backoff; after max_retries
 * Cloudflare moves a message to the dead-letter queue.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const taps: Pending<ClickRow>[] = [];
	const purchases: { message: Message<unknown>; incoming: IncomingPurchase }[] = [];
	const receipts: Pending<ReceiptEvent>[] = [];
	for (const message of batch.messages) {
		const parsed = EventMessage.safeParse(message.body);
		if (!parsed.success) {
			await deadLetter(env, message, parsed.error.issues[0]?.message ?? "invalid message");
			continue;
		}
		const event = parsed.data;
		try {
			if (event.type === "taps") taps.push({ message, rows: event.taps.map(toClickRow) });
			else if (event.type === "receipts") receipts.push({ message, rows: event.receipts });
			else purchases.push({ message, incoming: { event: event.purchase, attempts: message.attempts } });
		} catch (err) {
			retry(message, err);
		}
	}
	// Outbound webhooks go out after the write that made them true; if emitting fails the message is retried, the
	// write is a no-op the second time, and the events are emitted again (their ids let receivers de-duplicate).
	await writeTogether(taps, async (rows) => {
		await recordClicks(env.DB, rows);
		// Only taps the aggregator kept: one on a link deleted (or erased) before it was made is not a click.
		await emitEvents(env, rows.filter((r) => r.human === 1).map(clickedEvent), {
			keep: (events) => storedClicks(env.DB, events),
		});
	});
	await writeTogether(receipts, async (rows) => {
		const { events } = await recordReceipts(env.DB, rows, Date.now());
		await emitEvents(env, events);
	});
	if (purchases.length > 0) await consumePurchases(env, purchases);
}

async function consumePurchases(
	env: Env,
	purchases: { message: Message<unknown>; incoming: IncomingPurchase }[],
): Promise<void> {
	let plans: PurchasePlan[];
	try {
		plans = await planPurchases(
			env.DB,
			purchases.map((p) => p.incoming),
		);
	} catch (err) {
		for (const p of purchases) retry(p.message, err);
		return;
	}
	const writes: Pending<PurchaseRow>[] = [];
	plans.forEach((plan, i) => {
		const message = (purchases[i] as (typeof purchases)[number]).message;
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
	await writeTogether(writes, async (rows) => {
		const stored = await recordPurchases(env.DB, rows);
		await emitEvents(env, stored.filter((p) => p.campaignId !== null && p.verified === 1).map(attributedEvent));
	});
}

async function storedClicks(d1: D1Database, events: WebhookEvent[]): Promise<WebhookEvent[]> {
	const clickIdOf = (e: WebhookEvent) => ("clickId" in e.data ? e.data.clickId : null);
	const ids = events.map(clickIdOf);
	const { results } = await d1
		.prepare("SELECT id FROM clicks WHERE id IN (SELECT value FROM json_each(?1))")
		.bind(JSON.stringify(ids))
		.all<{ id: string }>();
	const stored = new Set(results.map((r) => r.id));
	return events.filter((e) => stored.has(clickIdOf(e) ?? ""));
}

const clickedEvent = (r: ClickRow) =>
	linkClicked({
		clickId: r.id,
		workspaceId: r.workspaceId,
		campaignId: r.campaignId,
		linkCode: r.linkCode,
		contactId: r.contactId,
		variant: r.variant,
		clickedAt: r.clickedAt,
		deviceType: r.deviceType,
		os: r.os,
		country: r.country,
	});

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

/**
 * Writes the rows of all messages in one call. When that fails, a message on its first attempt is retried later
 * (most failures pass: an overloaded or restarting database); a message that has failed before is written alone,
 * so one message that can never be written cannot keep failing the batches of the others.
 */
async function writeTogether<Row>(pending: Pending<Row>[], write: (rows: Row[]) => Promise<unknown>): Promise<void> {
	if (pending.length === 0) return;
	try {
		await write(pending.flatMap((p) => p.rows));
		for (const p of pending) p.message.ack();
		return;
	} catch (err) {
		if (pending.length === 1) {
			retry((pending[0] as Pending<Row>).message, err);
			return;
		}
		for (const p of pending) if (p.message.attempts <= 1) retry(p.message, err);
	}
	for (const p of pending) {
		if (p.message.attempts <= 1) continue;
		try {
			await write(p.rows);
			p.message.ack();
		} catch (err) {
			retry(p.message, err);
		}
	}
}

function retry(message: Message<unknown>, err: unknown): void {
	const delaySeconds = retryDelaySeconds(message.attempts);
	console.error(
		JSON.stringify({
			msg: "event write failed; retrying",
			id: message.id,
			attempts: message.attempts,
			delaySeconds,
			error: String(err),
		}),
	);
	message.retry({ delaySeconds });
}

async function deadLetter(env: Env, message: Message<unknown>, reason: string): Promise<void> {
	try {
		await env.DEAD_LETTERS.send({ reason, id: message.id, body: message.body }, { contentType: "json" });
		console.error(JSON.stringify({ msg: "poison message sent to the dead-letter queue", id: message.id, reason }));
		message.ack();
	} catch (err) {
		console.error(JSON.stringify({ msg: "dead-letter send failed; retrying", id: message.id, error: String(err) }));
		message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
	}
}
