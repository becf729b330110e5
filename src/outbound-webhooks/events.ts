import { z } from "zod";
import { CONSENT_SOURCES, PURCHASE_SOURCES, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../db/schema";
import { defineEnvelope } from "../queue/envelope";

// What a marketer's endpoint receives, one strict schema per event type. The builders below are typed from them,
// and the OpenAPI document publishes them under `webhooks`, so the documented payload is the one sent.

/** The schemas of the event payloads, registered under their names in the OpenAPI document's components. */
export const webhookPayloadSchemas = z.registry<{ id: string; description?: string }>();

const isoTime = z.string().describe("ISO 8601 time in UTC.");

function eventSchema<Type extends WebhookEventType, Data extends z.ZodRawShape>(
	type: Type,
	id: string,
	description: string,
	data: Data,
) {
	return z
		.strictObject({
			id: z.string().describe("Stable per event: a repeated delivery has the same id. De-duplicate on it."),
			type: z.literal(type),
			createdAt: isoTime.describe("When it happened (ISO 8601, UTC)."),
			workspaceId: z.string(),
			data: z.strictObject(data),
		})
		.register(webhookPayloadSchemas, { id, description });
}

export const LinkClickedEvent = eventSchema(
	"link.clicked",
	"LinkClickedEvent",
	"A person tapped a link (bots are never reported).",
	{
		clickId: z.string().describe("The click id (tlid) the redirect added to the destination."),
		clickedAt: isoTime,
		campaignId: z.string(),
		linkCode: z.string(),
		contactId: z.string().nullable(),
		variant: z.string().nullable(),
		deviceType: z.string().nullable(),
		os: z.string().nullable(),
		country: z.string().nullable(),
	},
);

export const MessageDeliveredEvent = eventSchema(
	"message.delivered",
	"MessageDeliveredEvent",
	"The carrier reported an SMS delivered (once per message, however often it is reported).",
	{
		messageId: z.string(),
		deliveredAt: isoTime,
		campaignId: z.string(),
		contactId: z.string(),
		linkCode: z.string().nullable(),
		variant: z.string().nullable(),
	},
);

export const PurchaseAttributedEvent = eventSchema(
	"purchase.attributed",
	"PurchaseAttributedEvent",
	"An order was stored and attributed to a campaign (its first value and best attribution).",
	{
		orderId: z.string(),
		campaignId: z.string(),
		contactId: z.string().nullable(),
		clickId: z.string().nullable(),
		linkCode: z.string().nullable(),
		variant: z.string().nullable(),
		value: z.number().describe("In major units of the currency, e.g. 49.9."),
		currency: z.string(),
		source: z.enum(PURCHASE_SOURCES),
		attributedBy: z.enum(["click_id", "last_click"]).nullable(),
		occurredAt: isoTime,
	},
);

export const ContactOptedOutEvent = eventSchema(
	"contact.opted_out",
	"ContactOptedOutEvent",
	"A contact opted out: they texted STOP or a phrase like it (source sms), the provider refused to text them (source provider), or the API opted them out (source api).",
	{
		contactId: z.string(),
		phone: z.string(),
		source: z.enum(CONSENT_SOURCES),
		at: isoTime,
	},
);

/** One thing that happened, as a marketer's endpoint receives it. `id` is stable: a repeat has the same id. */
export type WebhookEvent =
	| z.infer<typeof LinkClickedEvent>
	| z.infer<typeof MessageDeliveredEvent>
	| z.infer<typeof PurchaseAttributedEvent>
	| z.infer<typeof ContactOptedOutEvent>;

/** The payload schema of each event type, for the document's `webhooks`. */
export const WEBHOOK_PAYLOADS: Record<WebhookEventType, string> = {
	"link.clicked": "LinkClickedEvent",
	"message.delivered": "MessageDeliveredEvent",
	"purchase.attributed": "PurchaseAttributedEvent",
	"contact.opted_out": "ContactOptedOutEvent",
};

/** A delivery to one endpoint, as the webhooks queue carries it. */
export const DeliveryEnvelope = defineEnvelope("webhook", 1, {
	endpointId: z.string().min(1).max(64),
	event: z.object({
		id: z.string().min(1).max(200),
		type: z.enum(WEBHOOK_EVENT_TYPES),
		createdAt: z.string(),
		workspaceId: z.string(),
		data: z.record(z.string(), z.unknown()),
	}),
});
export type DeliveryEnvelope = z.output<typeof DeliveryEnvelope.schema>;

const iso = (ms: number) => new Date(ms).toISOString();

// Each builder names every field it sends: callers pass rows with more in them, which must not leak out.

export function linkClicked(tap: {
	clickId: string;
	workspaceId: string;
	campaignId: string;
	linkCode: string;
	contactId: string | null;
	variant: string | null;
	clickedAt: number;
	deviceType: string | null;
	os: string | null;
	country: string | null;
}): z.infer<typeof LinkClickedEvent> {
	return {
		id: `link.clicked:${tap.clickId}`,
		type: "link.clicked",
		createdAt: iso(tap.clickedAt),
		workspaceId: tap.workspaceId,
		data: {
			clickId: tap.clickId,
			clickedAt: iso(tap.clickedAt),
			campaignId: tap.campaignId,
			linkCode: tap.linkCode,
			contactId: tap.contactId,
			variant: tap.variant,
			deviceType: tap.deviceType,
			os: tap.os,
			country: tap.country,
		},
	};
}

export function messageDelivered(message: {
	id: string;
	workspaceId: string;
	campaignId: string;
	contactId: string;
	linkCode: string | null;
	variant: string | null;
	deliveredAt: number;
}): z.infer<typeof MessageDeliveredEvent> {
	return {
		id: `message.delivered:${message.id}`,
		type: "message.delivered",
		createdAt: iso(message.deliveredAt),
		workspaceId: message.workspaceId,
		data: {
			messageId: message.id,
			deliveredAt: iso(message.deliveredAt),
			campaignId: message.campaignId,
			contactId: message.contactId,
			linkCode: message.linkCode,
			variant: message.variant,
		},
	};
}

export function purchaseAttributed(purchase: {
	workspaceId: string;
	orderId: string;
	campaignId: string;
	contactId: string | null;
	clickId: string | null;
	linkCode: string | null;
	variant: string | null;
	value: number;
	currency: string;
	source: z.infer<typeof PurchaseAttributedEvent>["data"]["source"];
	attributedBy: z.infer<typeof PurchaseAttributedEvent>["data"]["attributedBy"];
	occurredAt: number;
}): z.infer<typeof PurchaseAttributedEvent> {
	return {
		id: `purchase.attributed:${purchase.orderId}:${purchase.campaignId}`,
		type: "purchase.attributed",
		createdAt: iso(purchase.occurredAt),
		workspaceId: purchase.workspaceId,
		data: {
			orderId: purchase.orderId,
			campaignId: purchase.campaignId,
			contactId: purchase.contactId,
			clickId: purchase.clickId,
			linkCode: purchase.linkCode,
			variant: purchase.variant,
			value: purchase.value,
			currency: purchase.currency,
			source: purchase.source,
			attributedBy: purchase.attributedBy,
			occurredAt: iso(purchase.occurredAt),
		},
	};
}

export function contactOptedOut(optOut: {
	workspaceId: string;
	contactId: string;
	phone: string;
	source: z.infer<typeof ContactOptedOutEvent>["data"]["source"];
	sourceId: string;
	at: number;
}): z.infer<typeof ContactOptedOutEvent> {
	return {
		id: `contact.opted_out:${optOut.contactId}:${optOut.sourceId}`,
		type: "contact.opted_out",
		createdAt: iso(optOut.at),
		workspaceId: optOut.workspaceId,
		data: { contactId: optOut.contactId, phone: optOut.phone, source: optOut.source, at: iso(optOut.at) },
	};
}
