import { z } from "zod";
import { MESSAGE_STATUSES } from "./status";

/**
 * One reported state of an SMS, as it travels on the events queue: a Twilio status callback, or an event a marketer
 * posted for a message sent through another platform. Names the message by Tapline's id when it is known, else by
 * the provider's id.
 */
export const ReceiptEvent = z
	.object({
		messageId: z.string().min(1).max(64).nullish(),
		provider: z.enum(["twilio", "external"]),
		providerMessageId: z.string().min(1).max(128).nullish(),
		status: z.enum(MESSAGE_STATUSES),
		at: z.number().int().nonnegative(),
		errorCode: z.string().max(64).nullish(),
		errorMessage: z.string().max(200).nullish(),
	})
	.refine((r) => Boolean(r.messageId || r.providerMessageId), "a receipt names its message");
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;
