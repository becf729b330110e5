import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are integers in milliseconds since the epoch (UTC), named *_at.

/** Purchase attribution windows, in days, that stats can be read under. A workspace picks one as its default. */
export const ATTRIBUTION_WINDOWS = [1, 7, 14, 30, 60, 90] as const;
export type AttributionWindow = (typeof ATTRIBUTION_WINDOWS)[number];

/** Which purchases a workspace counts for follow-up suppression and journey stages. */
export const COUNTED_PURCHASES = ["confirmed", "confirmed_or_pixel"] as const;
export type CountedPurchases = (typeof COUNTED_PURCHASES)[number];

export const workspaces = sqliteTable("workspaces", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	createdAt: integer("created_at").notNull(),
	attributionWindowDays: integer("attribution_window_days").notNull().default(7),
	// Answer to an inbound HELP or INFO; null: a default naming the workspace.
	helpText: text("help_text"),
	// Frequency cap: no automatic message (follow-up) goes to a contact who had any Tapline SMS in this many hours.
	frequencyCapHours: integer("frequency_cap_hours").notNull().default(24),
	// Which purchases suppress follow-ups and move journey stages: "confirmed" (server API or Shopify only) or
	// "confirmed_or_pixel" (also the unsigned pixel on a human tap inside the attribution window).
	countedPurchases: text("counted_purchases", { enum: COUNTED_PURCHASES }).notNull().default("confirmed_or_pixel"),
	// Send limits (keys and sessions): at most this many SMS handed to the provider per UTC day, and only to numbers of
	// these ISO countries (a JSON array; null: any country).
	dailySendCap: integer("daily_send_cap").notNull().default(10000),
	allowedCountries: text("allowed_countries"),
});

export const apiKeys = sqliteTable(
	"api_keys",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		// SHA-256 of the whole key. Keys are 160+ random bits, so a fast hash is enough (no key stretching needed).
		keyHash: text("key_hash").notNull(),
		// First characters of the key, shown so people can tell keys apart without the secret.
		start: text("start").notNull(),
		createdAt: integer("created_at").notNull(),
		revokedAt: integer("revoked_at"),
		// What the key may do (a JSON array of scopes, src/http/scopes.ts) and what people call it.
		name: text("name").notNull().default(""),
		scopes: text("scopes").notNull().default('["full"]'),
		// The fixed one-minute window of the key's rate limit and the requests counted in it; lastUsedAt moves when a
		// new window starts, so it is exact to the minute and costs no write of its own.
		lastUsedAt: integer("last_used_at"),
		rateWindow: integer("rate_window").notNull().default(0),
		rateCount: integer("rate_count").notNull().default(0),
	},
	(t) => [
		uniqueIndex("api_keys_by_hash").on(t.keyHash),
		// A workspace's live keys have distinct names, so a repeated create cannot mint a second key.
		uniqueIndex("api_keys_live_by_name").on(t.workspaceId, t.name).where(sql`revoked_at IS NULL`),
	],
);

export const CAMPAIGN_STAGES = ["awareness", "consideration", "purchase", "retention"] as const;
export type CampaignStage = (typeof CAMPAIGN_STAGES)[number];

export const campaigns = sqliteTable(
	"campaigns",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		name: text("name").notNull(),
		stage: text("stage", { enum: CAMPAIGN_STAGES }).notNull(),
		destinationUrl: text("destination_url").notNull(),
		utmSource: text("utm_source").notNull(),
		utmMedium: text("utm_medium").notNull(),
		utmCampaign: text("utm_campaign").notNull(),
		utmTerm: text("utm_term"),
		utmContent: text("utm_content"),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		// The follow-up (src/follow-ups): one SMS to each contact whose first human tap is followUpAfterHours old,
		// within the next followUpWindowHours, who has not bought since. Off until enabled.
		followUpEnabled: integer("follow_up_enabled").notNull().default(0),
		followUpAfterHours: integer("follow_up_after_hours").notNull().default(24),
		followUpWindowHours: integer("follow_up_window_hours").notNull().default(48),
		followUpMessage: text("follow_up_message"),
		// The variant label of the follow-up links, so their taps and purchases are counted apart.
		followUpVariant: text("follow_up_variant").notNull().default("followup"),
		// The origin follow-up links are printed with when PUBLIC_URL is not set: that of the request that enabled it.
		followUpOrigin: text("follow_up_origin"),
		// Every contact whose first human tap is before this has a follow_ups row: the cron reads new contacts from
		// here on, so a run costs what is new since the last one, not everyone decided in the look-back.
		followUpScannedUntil: integer("follow_up_scanned_until"),
		// The cron, under faults (issue 14): the scheduled time of the follow-up run that last took this campaign's
		// turn (campaigns are served least recently served first), and until when (wall clock) that run holds it, so
		// that overlapping runs take different campaigns.
		followUpTurnAt: integer("follow_up_turn_at"),
		followUpBusyUntil: integer("follow_up_busy_until"),
	},
	(t) => [
		index("campaigns_by_workspace_created").on(t.workspaceId, t.createdAt),
		index("campaigns_with_follow_ups").on(t.id).where(sql`follow_up_enabled = 1`),
		// The follow-up cron's rotation: campaigns with a follow-up, least recently served first.
		index("campaigns_follow_up_turns").on(t.followUpTurnAt, t.id).where(sql`follow_up_enabled = 1`),
	],
);

export const contacts = sqliteTable(
	"contacts",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		// E.164, e.g. +14155552671.
		phone: text("phone").notNull(),
		externalId: text("external_id"),
		// IANA zone, e.g. America/New_York; null when unknown.
		timezone: text("timezone"),
		// Journey stage reached: null (awareness) → consideration (a human tap) → purchase → retention (a second
		// purchase). Moved forward automatically, never back.
		stage: text("stage", { enum: CAMPAIGN_STAGES }),
		createdAt: integer("created_at").notNull(),
		// Consent: set when the contact opted out of this workspace's messages (STOP, or the provider reported them
		// unsubscribed); cleared by START. consent_events keeps the history.
		optedOutAt: integer("opted_out_at"),
		// Set when the contact was erased: the phone is replaced by a random placeholder and every personal field is
		// cleared; the row stays so that anonymous aggregates keep adding up.
		erasedAt: integer("erased_at"),
		// HMAC-SHA-256 of the phone under SUPPRESSION_SECRET (src/consent/suppression.ts), set when minting creates
		// or meets the contact; null once erased, or when the secret was unset. Sends look it up in suppressions.
		phoneHash: text("phone_hash"),
	},
	(t) => [
		uniqueIndex("contacts_by_workspace_phone").on(t.workspaceId, t.phone),
		// Inbound SMS name a phone, not a workspace.
		index("contacts_by_phone").on(t.phone),
		index("contacts_by_workspace_external_id").on(t.workspaceId, t.externalId),
		index("contacts_by_workspace_stage").on(t.workspaceId, t.stage),
	],
);

export const links = sqliteTable(
	"links",
	{
		code: text("code").primaryKey(),
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		campaignId: text("campaign_id")
			.notNull()
			.references(() => campaigns.id),
		contactId: text("contact_id")
			.notNull()
			.references(() => contacts.id),
		variant: text("variant"),
		// campaign: the link in the campaign's own SMS; followup: the fresh link in the follow-up SMS.
		kind: text("kind", { enum: ["campaign", "followup"] })
			.notNull()
			.default("campaign"),
		createdAt: integer("created_at").notNull(),
		deletedAt: integer("deleted_at"),
		// Counters kept by the click aggregator in the same batch as the raw clicks.
		clicks: integer("clicks").notNull().default(0),
		humanClicks: integer("human_clicks").notNull().default(0),
		botClicks: integer("bot_clicks").notNull().default(0),
		firstHumanClickAt: integer("first_human_click_at"),
		lastHumanClickAt: integer("last_human_click_at"),
	},
	(t) => [
		// One live link per recipient, campaign and kind: re-minting returns it. A deleted link frees the slot.
		uniqueIndex("links_by_campaign_contact_kind").on(t.campaignId, t.contactId, t.kind).where(sql`deleted_at IS NULL`),
		// The follow-up cron: a campaign's links by the time of their first human tap.
		index("links_by_first_human_tap")
			.on(t.campaignId, t.firstHumanClickAt, t.code)
			.where(sql`kind = 'campaign' AND deleted_at IS NULL AND first_human_click_at IS NOT NULL`),
		index("links_by_campaign_variant").on(t.campaignId, t.variant),
		// Raw click-through: the links with any tap, bots included, counted per variant without reading the others.
		index("links_tapped_by_campaign_variant").on(t.campaignId, t.variant).where(sql`clicks > 0`),
		// Erasing a contact finds their links.
		index("links_by_contact").on(t.contactId).where(sql`deleted_at IS NULL`),
	],
);

export const clicks = sqliteTable(
	"clicks",
	{
		// Click id minted at the edge (the `tlid` parameter): the idempotency key of the aggregator.
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id").notNull(),
		campaignId: text("campaign_id").notNull(),
		linkCode: text("link_code").notNull(),
		contactId: text("contact_id"),
		variant: text("variant"),
		clickedAt: integer("clicked_at").notNull(),
		human: integer("human").notNull(),
		// Why a tap was not counted as a person: head, prefetch, preview, scanner, headless, crawler, no-user-agent.
		botReason: text("bot_reason"),
		deviceType: text("device_type"),
		os: text("os"),
		browser: text("browser"),
		country: text("country"),
		region: text("region"),
		city: text("city"),
		colo: text("colo"),
		// Raw details, cleared by the retention job after RAW_CLICK_RETENTION_DAYS; the parsed fields above stay.
		referer: text("referer"),
		userAgent: text("user_agent"),
		// 1 when this was the first human tap on its link (the recipient became a unique human clicker).
		firstHuman: integer("first_human").notNull().default(0),
		// 0 while the row waits to be added to the aggregates inside the batch that inserted it.
		counted: integer("counted").notNull().default(0),
	},
	(t) => [
		// Attribution: a contact's last human tap before a purchase.
		index("clicks_by_contact_time").on(t.contactId, t.clickedAt),
		index("clicks_uncounted").on(t.id).where(sql`counted = 0`),
		// The raw-click export pages through one campaign's clicks.
		index("clicks_by_campaign").on(t.campaignId, t.id),
		index("clicks_with_raw_details").on(t.clickedAt).where(sql`user_agent IS NOT NULL OR referer IS NOT NULL`),
	],
);

// Click aggregates per campaign, one row per (dimension, value): total, day, variant, device, os, browser, country, reason.
export const campaignStats = sqliteTable(
	"campaign_stats",
	{
		campaignId: text("campaign_id").notNull(),
		dimension: text("dimension").notNull(),
		value: text("value").notNull(),
		clicks: integer("clicks").notNull().default(0),
		humanClicks: integer("human_clicks").notNull().default(0),
		botClicks: integer("bot_clicks").notNull().default(0),
		// Recipients whose first human tap fell in this bucket; summed over a dimension it is the unique human count.
		uniqueHumans: integer("unique_humans").notNull().default(0),
	},
	(t) => [primaryKey({ columns: [t.campaignId, t.dimension, t.value] })],
);

export const PURCHASE_SOURCES = ["pixel", "api", "shopify"] as const;
export type PurchaseSource = (typeof PURCHASE_SOURCES)[number];

export const purchases = sqliteTable(
	"purchases",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id").notNull(),
		// The shop's order id: one purchase per (workspace, order), whichever way it was reported.
		orderId: text("order_id").notNull(),
		// pixel (the browser, unsigned), api (server to server) or shopify (signed webhook).
		source: text("source", { enum: PURCHASE_SOURCES }).notNull(),
		// Amount in the currency's minor unit (cents for USD, yen for JPY), so sums are exact.
		valueMinor: integer("value_minor").notNull(),
		currency: text("currency").notNull(),
		occurredAt: integer("occurred_at").notNull(),
		receivedAt: integer("received_at").notNull(),
		// Attribution: the click that earned the purchase, if any.
		clickId: text("click_id"),
		campaignId: text("campaign_id"),
		linkCode: text("link_code"),
		contactId: text("contact_id"),
		variant: text("variant"),
		// click_id: the purchase carried the click id; last_click: the contact's last human tap in the window.
		attributedBy: text("attributed_by", { enum: ["click_id", "last_click"] }),
		clickAt: integer("click_at"),
		// Time from the click to the purchase, for reading the stats under several attribution windows.
		lagMs: integer("lag_ms"),
		// 0 for a pixel purchase not credited to a click (its click id names no human tap of the workspace inside
		// the longest window, or a cap was reached): it proves nothing about a contact, so it must not suppress
		// follow-ups or move journey stages. Which verified purchases do is the workspace's counted_purchases.
		verified: integer("verified").notNull(),
	},
	(t) => [
		uniqueIndex("purchases_by_workspace_order").on(t.workspaceId, t.orderId),
		index("purchases_by_campaign").on(t.campaignId),
		index("purchases_by_contact").on(t.contactId),
		index("purchases_by_click").on(t.clickId),
		index("purchases_unattributed").on(t.workspaceId, t.currency, t.valueMinor).where(sql`campaign_id IS NULL`),
		// The pixel's hourly cap per workspace counts the pixel orders it credited to a campaign.
		index("purchases_credited_pixel_by_workspace")
			.on(t.workspaceId, t.receivedAt)
			.where(sql`source = 'pixel' AND campaign_id IS NOT NULL`),
	],
);

// Purchase aggregates of a campaign, rebuilt from its purchases in the batch that changes them.
// currency "*" rows count orders and distinct purchasers over every currency.
export const campaignPurchaseStats = sqliteTable(
	"campaign_purchase_stats",
	{
		campaignId: text("campaign_id").notNull(),
		windowDays: integer("window_days").notNull(),
		variant: text("variant").notNull(),
		currency: text("currency").notNull(),
		orders: integer("orders").notNull(),
		revenueMinor: integer("revenue_minor").notNull(),
		purchasers: integer("purchasers").notNull(),
		// The part of the above that only the unsigned pixel reported (no server API or Shopify report yet).
		pixelOrders: integer("pixel_orders").notNull().default(0),
		pixelRevenueMinor: integer("pixel_revenue_minor").notNull().default(0),
		pixelPurchasers: integer("pixel_purchasers").notNull().default(0),
	},
	(t) => [primaryKey({ columns: [t.campaignId, t.windowDays, t.variant, t.currency] })],
);

export const integrations = sqliteTable(
	"integrations",
	{
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		provider: text("provider", { enum: ["shopify"] }).notNull(),
		// Shopify's webhook signing secret. Needed in clear to compute HMACs, so it cannot be stored hashed.
		secret: text("secret").notNull(),
		// The shop (e.g. acme.myshopify.com) whose webhooks this workspace accepts: X-Shopify-Shop-Domain must match.
		shopDomain: text("shop_domain").notNull().default(""),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.workspaceId, t.provider] })],
);

// Webhook deliveries already processed, by the provider's delivery id (X-Shopify-Webhook-Id).
export const webhookReceipts = sqliteTable(
	"webhook_receipts",
	{
		workspaceId: text("workspace_id").notNull(),
		provider: text("provider").notNull(),
		webhookId: text("webhook_id").notNull(),
		receivedAt: integer("received_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.workspaceId, t.provider, t.webhookId] })],
);

// Campaigns whose purchase aggregates the current write batch must rebuild; filled and emptied inside that batch,
// so the set is computed in the same transaction as the writes (no race with a concurrent consumer).
export const purchaseStatRebuilds = sqliteTable("purchase_stat_rebuilds", {
	campaignId: text("campaign_id").primaryKey(),
});

export const CONSENT_SOURCES = ["sms", "provider", "api", "suppression"] as const;

// Every opt-out and opt-in, with when and how it arrived.
export const consentEvents = sqliteTable(
	"consent_events",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id").notNull(),
		contactId: text("contact_id").notNull(),
		kind: text("kind", { enum: ["opt_out", "opt_in"] }).notNull(),
		// sms: a keyword the contact texted; provider: the provider refused to text them (Twilio 21610); api: a call
		// to POST /contacts/{id}/opt-out; suppression: the contact was minted again after an erasure kept their opt-out.
		source: text("source", { enum: CONSENT_SOURCES }).notNull(),
		// The keyword, or the provider's error code.
		detail: text("detail"),
		// The inbound message or provider error that caused it: a redelivered webhook records nothing twice.
		sourceId: text("source_id").notNull(),
		at: integer("at").notNull(),
	},
	(t) => [
		uniqueIndex("consent_events_by_source").on(t.workspaceId, t.contactId, t.sourceId),
		index("consent_events_by_contact").on(t.contactId, t.at),
	],
);

export const MESSAGE_PROVIDERS = ["twilio", "outbox", "external"] as const;
export type MessageProvider = (typeof MESSAGE_PROVIDERS)[number];

// One SMS to one contact. Its status only moves forward (src/messages/status.ts); the time each state was first
// reached is kept in its own column, whatever order the receipts arrived in.
export const messages = sqliteTable(
	"messages",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id").notNull(),
		campaignId: text("campaign_id").notNull(),
		// Null never; after an erasure it names the anonymous contact row.
		contactId: text("contact_id").notNull(),
		// The recipient's short link in the campaign; null for a message reported by another platform whose contact
		// had no link.
		linkCode: text("link_code"),
		variant: text("variant"),
		// campaign: the campaign's own send; followup: the automatic follow-up. One of each per contact and campaign.
		kind: text("kind", { enum: ["campaign", "followup"] }).notNull(),
		// twilio, outbox (stored, never sent: local development) or external (sent by another platform, which reports
		// the lifecycle through the API).
		provider: text("provider", { enum: MESSAGE_PROVIDERS }).notNull(),
		// The rendered text; cleared when the contact is erased.
		body: text("body"),
		segments: integer("segments"),
		encoding: text("encoding"),
		status: text("status").notNull(),
		providerMessageId: text("provider_message_id"),
		errorCode: text("error_code"),
		errorMessage: text("error_message"),
		// Provider calls made for this message (a 429 is retried).
		attempts: integer("attempts").notNull().default(0),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		// When the provider took the message, then the first time each state was reported.
		submittedAt: integer("submitted_at"),
		queuedAt: integer("queued_at"),
		sendingAt: integer("sending_at"),
		sentAt: integer("sent_at"),
		deliveredAt: integer("delivered_at"),
		undeliveredAt: integer("undelivered_at"),
		failedAt: integer("failed_at"),
		readAt: integer("read_at"),
		canceledAt: integer("canceled_at"),
		unknownAt: integer("unknown_at"),
	},
	(t) => [
		// The claim: one message per (campaign, contact, kind), so a repeated send request or a redelivered queue
		// message can never text anyone twice.
		uniqueIndex("messages_by_campaign_contact_kind").on(t.campaignId, t.contactId, t.kind),
		uniqueIndex("messages_by_provider_id")
			.on(t.provider, t.providerMessageId)
			.where(sql`provider_message_id IS NOT NULL`),
		index("messages_by_campaign_status").on(t.campaignId, t.status),
		// The funnels count a campaign's messages by kind, variant and status from the index alone.
		index("messages_by_campaign_kind_variant_status").on(t.campaignId, t.kind, t.variant, t.status),
		// Lists, newest first: a campaign's messages, and the workspace's outbox.
		index("messages_by_campaign_created").on(t.campaignId, t.createdAt),
		index("messages_by_workspace_created").on(t.workspaceId, t.createdAt),
		index("messages_by_contact_created").on(t.contactId, t.createdAt),
		// The cron's sweep for sends that stalled: pending with no queue message left, or a provider call that died.
		index("messages_pending_since").on(t.updatedAt).where(sql`status = 'pending'`),
		index("messages_submitting_since").on(t.updatedAt).where(sql`status = 'submitting'`),
	],
);

export const WEBHOOK_EVENT_TYPES = [
	"link.clicked",
	"message.delivered",
	"purchase.attributed",
	"contact.opted_out",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

// Marketers' own systems, told about events as they happen (outbound webhooks).
export const webhookEndpoints = sqliteTable(
	"webhook_endpoints",
	{
		id: text("id").primaryKey(),
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		url: text("url").notNull(),
		// Signs every delivery (HMAC-SHA256); kept in clear because signing needs it, shown to the owner once.
		secret: text("secret").notNull(),
		// JSON list of the event types the endpoint wants.
		events: text("events").notNull(),
		createdAt: integer("created_at").notNull(),
		deletedAt: integer("deleted_at"),
	},
	(t) => [index("webhook_endpoints_by_workspace").on(t.workspaceId).where(sql`deleted_at IS NULL`)],
);

/** The life of an outgoing SMS; messages/status.ts orders it. */
/**
 * pending: created, waiting for the send queue. submitting: claimed by the sender, the provider call in flight.
 * unknown: the provider call's outcome is unknown (timeout, 5xx); never resent blindly, a duplicate SMS costs the
 * recipient's trust. The rest are the provider's states.
 */
export const MESSAGE_STATUSES = [
	"pending",
	"submitting",
	"unknown",
	"queued",
	"sending",
	"sent",
	"delivered",
	"undelivered",
	"failed",
	"canceled",
	"read",
] as const;

export const FOLLOW_UP_STATUSES = ["sent", "waiting", "skipped"] as const;
export const FOLLOW_UP_REASONS = ["quiet_hours", "capped", "opted_out", "purchased", "window_passed"] as const;
export type FollowUpReason = (typeof FOLLOW_UP_REASONS)[number];

// The follow-up cron's decision for each contact it considered in a campaign, one row per (campaign, contact):
//   sent     the follow-up was claimed (message_id) and queued;
//   waiting  not now (quiet_hours, capped, opted_out): looked at again from retry_at while the window is open;
//   skipped  never (purchased, opted_out, window_passed; held_by says what kept a window_passed contact waiting).
// The message's own row tells where the SMS went from there (a purchase or STOP before it went out cancels it).
export const followUps = sqliteTable(
	"follow_ups",
	{
		campaignId: text("campaign_id").notNull(),
		contactId: text("contact_id").notNull(),
		workspaceId: text("workspace_id").notNull(),
		// The campaign link the contact tapped, and when they first tapped it (a human tap).
		linkCode: text("link_code").notNull(),
		firstTapAt: integer("first_tap_at").notNull(),
		status: text("status", { enum: FOLLOW_UP_STATUSES }).notNull(),
		reason: text("reason", { enum: FOLLOW_UP_REASONS }),
		heldBy: text("held_by", { enum: FOLLOW_UP_REASONS }),
		retryAt: integer("retry_at"),
		messageId: text("message_id"),
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.campaignId, t.contactId] }),
		// Erasing a contact finds their follow-up decisions.
		index("follow_ups_by_contact").on(t.contactId),
		// The cron: a campaign's waiting contacts by when they are due to be looked at again.
		index("follow_ups_waiting").on(t.campaignId, t.retryAt).where(sql`status = 'waiting'`),
		// The follow-up listing (newest first tap first, paged on (first tap, contact)) and the follow-up stats: the
		// decision columns ride along, so counting and filtering read the index alone.
		index("follow_ups_by_campaign_first_tap").on(t.campaignId, t.firstTapAt, t.contactId, t.status, t.reason, t.heldBy),
		uniqueIndex("follow_ups_by_message").on(t.messageId).where(sql`message_id IS NOT NULL`),
	],
);

// Webhooks any receiver can verify, and nothing lost after an outage (issue 14).

// The last attempts to deliver each endpoint's events (at most 100 per endpoint: older ones are dropped as new ones
// are written). One row per (queue message, attempt), so a log write repeated by a retried batch adds nothing.
export const webhookDeliveries = sqliteTable(
	"webhook_deliveries",
	{
		id: text("id").primaryKey(),
		endpointId: text("endpoint_id").notNull(),
		workspaceId: text("workspace_id").notNull(),
		messageId: text("message_id").notNull(),
		attempt: integer("attempt").notNull(),
		eventId: text("event_id").notNull(),
		eventType: text("event_type").notNull(),
		// The event as delivered (JSON), so that it can be redelivered.
		payload: text("payload").notNull(),
		// The endpoint's HTTP status; null when it gave none (timeout, refused connection, refused URL).
		status: integer("status"),
		ok: integer("ok", { mode: "boolean" }).notNull(),
		error: text("error"),
		durationMs: integer("duration_ms").notNull(),
		attemptedAt: integer("attempted_at").notNull(),
	},
	(t) => [
		uniqueIndex("webhook_deliveries_by_attempt").on(t.messageId, t.attempt),
		// An endpoint's log, newest first, and the trim that keeps it bounded.
		index("webhook_deliveries_by_endpoint").on(t.endpointId, t.attemptedAt),
	],
);

// Messages of the three dead-letter queues, kept where an operator can list and replay them. The id is the
// dead-letter queue message's, so a redelivered batch stores nothing twice.
export const deadLetters = sqliteTable(
	"dead_letters",
	{
		id: text("id").primaryKey(),
		// The queue the message came from and is replayed to, e.g. "tapline-webhooks".
		queue: text("queue").notNull(),
		// The workspace the body names, or null (poison, or a body naming none or several): the admin token sees those.
		workspaceId: text("workspace_id"),
		reason: text("reason").notNull(),
		// The original message body as JSON: what a replay sends.
		body: text("body").notNull(),
		// The id the message had on its own queue, when the consumer that gave up on it recorded it.
		originalMessageId: text("original_message_id"),
		receivedAt: integer("received_at").notNull(),
		replayedAt: integer("replayed_at"),
	},
	(t) => [
		index("dead_letters_by_workspace").on(t.workspaceId, t.receivedAt),
		index("dead_letters_by_time").on(t.receivedAt),
	],
);

// Consent that holds (issue 14): opt-outs that outlive erasure. Erasing an opted-out contact leaves one row here,
// keyed by the keyed hash of the phone (never the phone), so the number minted again comes back opted out and no
// send claims it. A START or UNSTOP from the number deletes its rows.
export const SUPPRESSION_SOURCES = ["erasure"] as const;
export const suppressions = sqliteTable(
	"suppressions",
	{
		workspaceId: text("workspace_id")
			.notNull()
			.references(() => workspaces.id),
		phoneHash: text("phone_hash").notNull(),
		source: text("source", { enum: SUPPRESSION_SOURCES }).notNull(),
		at: integer("at").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.workspaceId, t.phoneHash] }),
		// A START clears the number's rows in every workspace (they share the sender).
		index("suppressions_by_phone_hash").on(t.phoneHash),
	],
);

// Keys and sessions: the SMS a workspace handed to the provider each UTC day (day = days since the epoch), counted
// atomically when the sender claims a message; `granted` is what the last claim was given (read in its RETURNING).
export const sendCounts = sqliteTable(
	"send_counts",
	{
		workspaceId: text("workspace_id").notNull(),
		day: integer("day").notNull(),
		sent: integer("sent").notNull().default(0),
		granted: integer("granted").notNull().default(0),
	},
	(t) => [primaryKey({ columns: [t.workspaceId, t.day] })],
);
