import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are integers in milliseconds since the epoch (UTC), named *_at.

export const workspaces = sqliteTable("workspaces", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	createdAt: integer("created_at").notNull(),
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
	},
	(t) => [uniqueIndex("api_keys_by_hash").on(t.keyHash)],
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
	},
	(t) => [index("campaigns_by_workspace_created").on(t.workspaceId, t.createdAt)],
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
		createdAt: integer("created_at").notNull(),
	},
	(t) => [
		uniqueIndex("contacts_by_workspace_phone").on(t.workspaceId, t.phone),
		index("contacts_by_workspace_external_id").on(t.workspaceId, t.externalId),
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
		// One live link per recipient and campaign: re-minting returns it. A deleted link frees the slot.
		uniqueIndex("links_by_campaign_contact").on(t.campaignId, t.contactId).where(sql`deleted_at IS NULL`),
		index("links_by_campaign_variant").on(t.campaignId, t.variant),
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
