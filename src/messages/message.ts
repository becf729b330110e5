import { z } from "zod";
import { millis, nextCursor } from "../http/schemas";
import { MESSAGE_STATUSES } from "./status";

/** One SMS with its lifecycle, as GET /messages lists it and the dashboard shows it. */
export const Message = z
	.strictObject({
		id: z.string(),
		campaignId: z.string(),
		contactId: z.string(),
		phone: z.string().nullable(),
		linkCode: z.string().nullable(),
		variant: z.string().nullable(),
		kind: z.string(),
		provider: z.string(),
		providerMessageId: z.string().nullable(),
		status: z.enum(MESSAGE_STATUSES),
		body: z.string().nullable(),
		segments: z.number().int().nullable(),
		encoding: z.string().nullable(),
		errorCode: z.string().nullable(),
		errorMessage: z.string().nullable(),
		createdAt: millis,
		submittedAt: millis.nullable(),
		sentAt: millis.nullable(),
		deliveredAt: millis.nullable(),
		undeliveredAt: millis.nullable(),
		failedAt: millis.nullable(),
		readAt: millis.nullable(),
		firstTapAt: millis.nullable(),
		purchasedAt: millis
			.nullable()
			.describe("The first purchase attributed to the message's link within the attribution window."),
	})
	.meta({ id: "Message" });
export type Message = z.infer<typeof Message>;

export const MessageList = z.strictObject({ messages: z.array(Message), nextCursor }).meta({ id: "MessageList" });
