import { z } from "zod";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../db/schema";

/** One thing that happened, as a marketer's endpoint receives it. `id` is stable: a repeat has the same id. */
export interface WebhookEvent {
	id: string;
	type: WebhookEventType;
	/** ISO 8601: when it happened. */
	createdAt: string;
	workspaceId: string;
	data: Record<string, unknown>;
}

export const WEBHOOK_MESSAGE_VERSION = 1;

/** A delivery to one endpoint, as the webhooks queue carries it. */
export const DeliveryMessage = z.object({
	v: z.literal(WEBHOOK_MESSAGE_VERSION),
	type: z.literal("webhook"),
	endpointId: z.string().min(1).max(64),
	event: z.object({
		id: z.string().min(1).max(200),
		type: z.enum(WEBHOOK_EVENT_TYPES),
		createdAt: z.string(),
		workspaceId: z.string(),
		data: z.record(z.string(), z.unknown()),
	}),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

const iso = (ms: number) => new Date(ms).toISOString();

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
}): WebhookEvent {
	const { clickId, workspaceId, clickedAt, ...data } = tap;
	return {
		id: `link.clicked:${clickId}`,
		type: "link.clicked",
		createdAt: iso(clickedAt),
		workspaceId,
		data: { clickId, clickedAt: iso(clickedAt), ...data },
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
}): WebhookEvent {
	const { id, workspaceId, deliveredAt, ...data } = message;
	return {
		id: `message.delivered:${id}`,
		type: "message.delivered",
		createdAt: iso(deliveredAt),
		workspaceId,
		data: { messageId: id, deliveredAt: iso(deliveredAt), ...data },
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
	source: string;
	attributedBy: string | null;
	occurredAt: number;
}): WebhookEvent {
	const { workspaceId, occurredAt, ...data } = purchase;
	return {
		id: `purchase.attributed:${purchase.orderId}:${purchase.campaignId}`,
		type: "purchase.attributed",
		createdAt: iso(occurredAt),
		workspaceId,
		data: { ...data, occurredAt: iso(occurredAt) },
	};
}

export function contactOptedOut(optOut: {
	workspaceId: string;
	contactId: string;
	phone: string;
	source: string;
	sourceId: string;
	at: number;
}): WebhookEvent {
	const { workspaceId, at, sourceId, ...data } = optOut;
	return {
		id: `contact.opted_out:${optOut.contactId}:${sourceId}`,
		type: "contact.opted_out",
		createdAt: iso(at),
		workspaceId,
		data: { ...data, at: iso(at) },
	};
}
