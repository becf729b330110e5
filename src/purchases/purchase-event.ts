import { z } from "zod";
import { PURCHASE_SOURCES } from "../db/schema";
import { defineEnvelope } from "../queue/envelope";

/** A reported purchase as it travels on the queue; attribution happens in the consumer. */
export const PurchaseEvent = z.object({
	source: z.enum(PURCHASE_SOURCES),
	workspaceId: z.string().min(1).max(64),
	orderId: z.string().min(1).max(128),
	valueMinor: z.number().int().nonnegative(),
	currency: z.string().regex(/^[A-Z]{3}$/),
	/** When the purchase happened (ms). */
	at: z.number().int().nonnegative(),
	receivedAt: z.number().int().nonnegative(),
	/** Click id (`tlid`) carried from the tap to the shop. */
	tlid: z.string().max(64).nullable(),
	contactId: z.string().max(64).nullable(),
	/** E.164. */
	phone: z.string().max(20).nullable(),
	externalId: z.string().max(200).nullable(),
	/** The webhook delivery id, for de-duplicating redeliveries of one webhook. */
	webhookId: z.string().max(128).nullable(),
	/**
	 * How many times the consumer has put this purchase back on the queue to wait for its click. Kept in the message
	 * so that waiting never uses up the queue's retries, which are for failed writes. Absent on a first report.
	 */
	clickWaits: z.number().int().nonnegative().max(100).optional(),
});
export type PurchaseEvent = z.infer<typeof PurchaseEvent>;

/** One reported purchase, from the pixel, the conversions API or a Shopify webhook, on the events queue. */
export const PurchaseEnvelope = defineEnvelope("purchase", 1, { purchase: PurchaseEvent });
export type PurchaseEnvelope = z.output<typeof PurchaseEnvelope.schema>;
