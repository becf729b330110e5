import { z } from "zod";
import { TapEvent } from "../clicks/tap-event";
import { ReceiptEvent } from "../messages/receipt-event";
import { PurchaseEvent } from "../purchases/purchase-event";

export const TAPS_MESSAGE_VERSION = 1;
export const PURCHASE_MESSAGE_VERSION = 1;
export const RECEIPTS_MESSAGE_VERSION = 1;

/** Taps on short links. A message carries a list so that several taps can share one queue message. */
export const TapsMessage = z.object({
	v: z.literal(TAPS_MESSAGE_VERSION),
	type: z.literal("taps"),
	taps: z.array(TapEvent).min(1).max(500),
});
export type TapsMessage = z.infer<typeof TapsMessage>;

/** One reported purchase, from the pixel, the conversions API or a Shopify webhook. */
export const PurchaseMessage = z.object({
	v: z.literal(PURCHASE_MESSAGE_VERSION),
	type: z.literal("purchase"),
	purchase: PurchaseEvent,
});
export type PurchaseMessage = z.infer<typeof PurchaseMessage>;

/** SMS lifecycle states reported by the provider or by the lifecycle API. */
export const ReceiptsMessage = z.object({
	v: z.literal(RECEIPTS_MESSAGE_VERSION),
	type: z.literal("receipts"),
	receipts: z.array(ReceiptEvent).min(1).max(200),
});
export type ReceiptsMessage = z.infer<typeof ReceiptsMessage>;

/** Every message the events queue carries, told apart by `type`. */
export const EventMessage = z.discriminatedUnion("type", [TapsMessage, PurchaseMessage, ReceiptsMessage]);
export type EventMessage = z.infer<typeof EventMessage>;
