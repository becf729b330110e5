import { z } from "zod";
import { CAMPAIGN_STAGES, FOLLOW_UP_REASONS, FOLLOW_UP_STATUSES, WEBHOOK_EVENT_TYPES } from "../db/schema";
import type { ErrorCode } from "../http/errors";
import { MESSAGE_STATUSES } from "../messages/status";
import { SKIP_REASONS, WAITING_REASONS } from "../stats/follow-up-stats";

// The bodies the API answers with, as the handlers build them. Every object is strict and every field required
// (nullable where the value can be missing), so a field added, dropped or retyped in a handler fails the contract
// test instead of slipping out undocumented. Each schema is registered under the name it has in the document's
// components.

export const responseSchemas = z.registry<{ id: string; description?: string }>();

const millis = z.number().int().describe("Milliseconds since the epoch (UTC).");
const isoTime = z.string().describe("ISO 8601 time in UTC.");
/** Amount per ISO 4217 currency, in major units: {"USD": 49.9}. */
const revenue = z.record(z.string(), z.number());
const rate = z.number().nullable().describe("A ratio rounded to 4 decimals; null when the denominator is 0.");

export const ERROR_CODES = [
	"bad_request",
	"invalid_json",
	"unauthorized",
	"forbidden",
	"not_found",
	"method_not_allowed",
	"conflict",
	"payload_too_large",
	"unsupported_media_type",
	"validation_failed",
	"rate_limited",
	"internal_error",
	"not_configured",
	"unavailable",
] as const satisfies readonly ErrorCode[];
// A code added to src/http/errors.ts without being added above fails the typecheck here.
const everyErrorCodeListed: [Exclude<ErrorCode, (typeof ERROR_CODES)[number]>] extends [never] ? true : never = true;
void everyErrorCodeListed;

export const ErrorBody = z
	.strictObject({
		error: z.strictObject({
			code: z.enum(ERROR_CODES),
			message: z.string(),
			requestId: z.string(),
			details: z
				.array(
					z.strictObject({
						path: z.string().describe('Where the problem is, e.g. "recipients.3.phone".'),
						message: z.string(),
						index: z.number().int().optional().describe("Position in the input array, for bulk requests."),
					}),
				)
				.optional(),
		}),
	})
	.register(responseSchemas, { id: "Error", description: "Every error the API answers with." });

export const Workspace = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		createdAt: millis,
		attributionWindowDays: z.number().int(),
		helpText: z.string().nullable(),
		frequencyCapHours: z.number().int().describe("Follow-ups skip contacts texted within this many hours; 0: off."),
	})
	.register(responseSchemas, { id: "Workspace" });

export const WorkspaceCreated = z
	.strictObject({ workspace: Workspace, apiKey: z.string().describe("Shown once: only its hash is stored.") })
	.register(responseSchemas, { id: "WorkspaceCreated" });

export const WorkspaceBody = z
	.strictObject({ workspace: Workspace })
	.register(responseSchemas, { id: "WorkspaceBody" });

export const Campaign = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		stage: z.enum(CAMPAIGN_STAGES),
		destinationUrl: z.string(),
		utm: z.strictObject({
			source: z.string(),
			medium: z.string(),
			campaign: z.string(),
			term: z.string().nullable(),
			content: z.string().nullable(),
		}),
		followUp: z.strictObject({
			enabled: z.boolean(),
			afterHours: z.number().int(),
			windowHours: z.number().int(),
			message: z.string().nullable(),
			variant: z.string(),
		}),
		createdAt: millis,
		updatedAt: millis,
	})
	.register(responseSchemas, { id: "Campaign" });

export const CampaignBody = z.strictObject({ campaign: Campaign }).register(responseSchemas, { id: "CampaignBody" });

export const CampaignList = z
	.strictObject({ campaigns: z.array(Campaign) })
	.register(responseSchemas, { id: "CampaignList" });

export const MintedLinks = z
	.strictObject({
		links: z.array(
			z.strictObject({
				code: z.string(),
				shortUrl: z.string(),
				contactId: z.string(),
				phone: z.string(),
				variant: z.string().nullable(),
				created: z.boolean().describe("false: the recipient already had this live link."),
			}),
		),
	})
	.register(responseSchemas, { id: "MintedLinks" });

const clickCounts = {
	total: z.number().int(),
	human: z.number().int(),
	bot: z.number().int(),
	uniqueHumans: z.number().int(),
};
const Breakdown = z.strictObject({ value: z.string(), ...clickCounts }).register(responseSchemas, { id: "Breakdown" });

const WindowCounts = z
	.strictObject({ days: z.number().int(), purchasers: z.number().int(), orders: z.number().int(), revenue })
	.register(responseSchemas, { id: "WindowCounts" });

const purchaseCounts = {
	purchasers: z.number().int(),
	orders: z.number().int(),
	revenue,
	conversionRate: rate,
	conversionRateOnDelivered: rate,
	revenuePerMessageSent: revenue,
	byWindow: z.array(WindowCounts),
};

const MessageFunnel = z
	.strictObject({
		total: z.number().int(),
		pending: z.number().int(),
		queued: z.number().int(),
		sent: z.number().int(),
		delivered: z.number().int(),
		undelivered: z.number().int(),
		failed: z.number().int(),
		canceled: z.number().int(),
		unknown: z.number().int(),
		deliveryRate: rate,
		tapped: z.number().int(),
		clickThroughOnDelivered: rate,
		deliveryToFirstTapSeconds: z.strictObject({ median: z.number().nullable(), average: z.number().nullable() }),
	})
	.register(responseSchemas, { id: "MessageFunnel" });

const countsBy = (reasons: readonly string[]) =>
	z.strictObject(Object.fromEntries(reasons.map((r) => [r, z.number().int()])) as Record<string, z.ZodNumber>);

const CohortOutcome = z
	.strictObject({
		contacts: z.number().int(),
		purchasers: z.number().int(),
		conversionRate: rate.describe("purchasers / contacts."),
		revenue,
		revenuePerContact: revenue,
	})
	.register(responseSchemas, { id: "FollowUpCohort" });

const FollowUpStats = z
	.strictObject({
		enabled: z.boolean(),
		eligible: z
			.number()
			.int()
			.describe("Contacts due a follow-up who had not bought or opted out: sent, held back, or whose window passed."),
		sent: z.number().int().describe("Contacts whose follow-up was sent (claimed and queued)."),
		waiting: countsBy(WAITING_REASONS).describe("Contacts looked at again later, by what holds them back now."),
		skipped: countsBy(SKIP_REASONS).describe("Contacts who get no follow-up, by why."),
		messages: MessageFunnel,
		tapped: z.number().int().describe("Follow-up links with a human tap."),
		clickThroughRate: rate.describe("tapped / sent."),
		purchases: z
			.strictObject({
				attributionWindowDays: z.number().int(),
				purchasers: z.number().int(),
				orders: z.number().int(),
				revenue,
				conversionRate: rate.describe("purchasers / tapped."),
				conversionRateOnDelivered: rate,
				revenuePerMessageSent: revenue,
			})
			.describe("Verified purchases attributed to follow-up links within the attribution window."),
		recovery: z
			.strictObject({
				days: z.number().int().describe("Purchases count from the window's opening for this many days."),
				followedUp: CohortOutcome,
				heldBack: CohortOutcome,
			})
			.describe(
				"Contacts sent a follow-up against eligible contacts held back by quiet hours or the frequency cap: every verified purchase of each from the moment the follow-up could first go. Observational, not a randomised holdout.",
			),
	})
	.register(responseSchemas, { id: "FollowUpStats" });

export const CampaignStats = z
	.strictObject({
		campaign: z.strictObject({ id: z.string(), name: z.string(), stage: z.enum(CAMPAIGN_STAGES) }),
		links: z.number().int(),
		clicks: z.strictObject(clickCounts),
		clickThroughRate: rate,
		rawClickThroughRate: rate.describe(
			"Links with any tap, bots and link previews included, per link: what counting every request would report.",
		),
		byReason: z.record(z.string(), z.number().int()),
		byDay: z.array(Breakdown),
		byVariant: z.array(
			z.strictObject({
				variant: z.string().describe('"" for links minted without a variant.'),
				links: z.number().int(),
				...clickCounts,
				clickThroughRate: rate,
				rawClickThroughRate: rate,
				purchases: z.strictObject(purchaseCounts),
				messages: MessageFunnel,
			}),
		),
		byDevice: z.array(Breakdown),
		byOs: z.array(Breakdown),
		byBrowser: z.array(Breakdown),
		byCountry: z.array(Breakdown),
		messages: MessageFunnel,
		purchases: z.strictObject({
			attributionWindowDays: z.number().int(),
			...purchaseCounts,
			bySource: z.record(z.string(), z.strictObject({ orders: z.number().int(), revenue })),
			byDay: z
				.array(z.strictObject({ day: z.string(), orders: z.number().int(), revenue }))
				.describe("The same orders and revenue by the UTC day of the purchase (YYYY-MM-DD), oldest first."),
		}),
		followUps: FollowUpStats,
	})
	.register(responseSchemas, { id: "CampaignStats" });

export const RecipientExportRow = z
	.strictObject({
		code: z.string(),
		shortUrl: z.string(),
		phone: z.string().nullable().describe("null once the contact is erased."),
		externalId: z.string().nullable(),
		variant: z.string().nullable(),
		messageStatus: z.string().nullable(),
		sentAt: isoTime.nullable(),
		deliveredAt: isoTime.nullable(),
		errorCode: z.string().nullable(),
		firstTapAt: isoTime.nullable(),
		humanClicks: z.number().int(),
		purchased: z.boolean(),
		revenue,
	})
	.register(responseSchemas, { id: "RecipientExportRow", description: "One line of the NDJSON recipients export." });

export const ClickExportRow = z
	.strictObject({
		id: z.string(),
		clickedAt: isoTime,
		linkCode: z.string(),
		variant: z.string().nullable(),
		human: z.boolean(),
		botReason: z.string().nullable(),
		deviceType: z.string().nullable(),
		os: z.string().nullable(),
		browser: z.string().nullable(),
		country: z.string().nullable(),
	})
	.register(responseSchemas, { id: "ClickExportRow", description: "One line of the NDJSON clicks export." });

const Skipped = z
	.strictObject({
		index: z.number().int(),
		reason: z.enum(["invalid_phone", "duplicate", "opted_out", "already_queued", "already_sent", "message_too_long"]),
		message: z.string(),
		phone: z.string().optional(),
	})
	.register(responseSchemas, { id: "SkippedRecipient" });

export const SendQueued = z
	.strictObject({
		queued: z.number().int(),
		deferred: z.number().int().describe("Sends held for the recipients' quiet hours."),
		skipped: z.array(Skipped),
	})
	.register(responseSchemas, { id: "SendQueued" });

export const SendDryRun = z
	.strictObject({
		dryRun: z.literal(true),
		messages: z.array(
			z.strictObject({
				index: z.number().int(),
				phone: z.string(),
				body: z.string(),
				encoding: z.enum(["GSM-7", "UCS-2"]),
				segments: z.number().int(),
				units: z.number().int(),
				nonGsmCharacters: z.array(z.string()),
				sendableAt: isoTime,
			}),
		),
		totals: z.strictObject({ messages: z.number().int(), segments: z.number().int() }),
		skipped: z.array(Skipped),
	})
	.register(responseSchemas, { id: "SendDryRun" });

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
	.register(responseSchemas, { id: "Message" });

export const MessageList = z
	.strictObject({
		messages: z.array(Message),
		nextCursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last."),
	})
	.register(responseSchemas, { id: "MessageList" });

export const FollowUpList = z
	.strictObject({
		followUps: z.array(
			z.strictObject({
				contactId: z.string(),
				phone: z.string().nullable().describe("null once the contact is erased."),
				externalId: z.string().nullable(),
				status: z.enum(FOLLOW_UP_STATUSES),
				reason: z.enum(FOLLOW_UP_REASONS).nullable().describe("Why it waits or was skipped; null when sent."),
				heldBy: z
					.enum(FOLLOW_UP_REASONS)
					.nullable()
					.describe("For window_passed: what kept the contact waiting until the window closed."),
				firstTapAt: millis.describe("The contact's first human tap on the campaign's link."),
				windowOpensAt: millis,
				windowClosesAt: millis,
				retryAt: millis.nullable().describe("When a waiting contact is looked at again."),
				decidedAt: millis.describe("When the current status was recorded."),
				message: z
					.strictObject({
						id: z.string(),
						status: z.enum(MESSAGE_STATUSES),
						sentAt: millis.nullable(),
						deliveredAt: millis.nullable(),
						errorCode: z.string().nullable(),
					})
					.nullable(),
				followUpLink: z.strictObject({ code: z.string(), firstHumanTapAt: millis.nullable() }).nullable(),
			}),
		),
		nextCursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last."),
	})
	.register(responseSchemas, { id: "FollowUpList" });

export const EventsAccepted = z
	.strictObject({ accepted: z.number().int() })
	.register(responseSchemas, { id: "EventsAccepted" });

export const Contact = z
	.strictObject({
		contact: z.strictObject({
			id: z.string(),
			phone: z.string(),
			externalId: z.string().nullable(),
			timezone: z.string().nullable(),
			createdAt: millis,
			stage: z.enum(CAMPAIGN_STAGES),
			optedOut: z.boolean(),
			optedOutAt: millis.nullable(),
			consent: z.array(
				z.strictObject({ kind: z.string(), source: z.string(), detail: z.string().nullable(), at: millis }),
			),
			messages: z.array(
				z.strictObject({
					id: z.string(),
					campaignId: z.string(),
					kind: z.string(),
					status: z.enum(MESSAGE_STATUSES),
					createdAt: millis,
					sentAt: millis.nullable(),
					deliveredAt: millis.nullable(),
					errorCode: z.string().nullable(),
				}),
			),
		}),
	})
	.register(responseSchemas, { id: "Contact" });

export const ContactErased = z
	.strictObject({ erased: z.strictObject({ id: z.string() }) })
	.register(responseSchemas, { id: "ContactErased" });

export const Link = z
	.strictObject({
		link: z.strictObject({
			code: z.string(),
			campaignId: z.string(),
			contactId: z.string(),
			phone: z.string(),
			variant: z.string().nullable(),
			createdAt: millis,
			firstHumanClickAt: millis.nullable(),
			lastHumanClickAt: millis.nullable(),
			shortUrl: z.string(),
			destination: z.string().describe("Where the link redirects, UTM parameters included (without tlid)."),
			clicks: z.strictObject(clickCounts),
		}),
	})
	.register(responseSchemas, { id: "Link" });

export const ConversionAccepted = z
	.strictObject({ accepted: z.literal(true), orderId: z.string() })
	.register(responseSchemas, { id: "ConversionAccepted" });

export const ShopifyIntegrationBody = z
	.strictObject({
		integration: z.strictObject({
			provider: z.literal("shopify"),
			shopDomain: z.string(),
			webhookUrl: z.string().describe("The URL to register in Shopify for the order webhooks."),
			topics: z.array(z.string()),
		}),
	})
	.register(responseSchemas, { id: "ShopifyIntegration" });

export const ShopifyWebhookAnswer = z
	.union([
		z.strictObject({ accepted: z.literal(true) }),
		z.strictObject({ ignored: z.literal(true), topic: z.string() }),
		z.strictObject({ ignored: z.literal(true), reason: z.string() }),
	])
	.register(responseSchemas, { id: "ShopifyWebhookAnswer" });

const StageMoney = z.strictObject({ orders: z.number().int(), revenue });

export const Journey = z
	.strictObject({
		attributionWindowDays: z.number().int(),
		stages: z.array(
			z.strictObject({
				stage: z.enum(CAMPAIGN_STAGES),
				campaigns: z.number().int(),
				links: z.number().int(),
				clicks: z.strictObject({ total: z.number().int(), human: z.number().int(), uniqueHumans: z.number().int() }),
				purchasers: z.number().int(),
				conversionRate: rate,
				orders: z.number().int(),
				revenue,
				messages: z.strictObject({ sent: z.number().int(), delivered: z.number().int(), deliveryRate: rate }),
				conversionRateOnDelivered: rate,
				revenuePerMessageSent: revenue,
				contacts: z.number().int(),
			}),
		),
		unattributed: StageMoney,
		outsideWindow: StageMoney,
	})
	.register(responseSchemas, { id: "Journey" });

export const WebhookEndpoint = z
	.strictObject({
		id: z.string(),
		url: z.string(),
		events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
		createdAt: millis,
	})
	.register(responseSchemas, { id: "WebhookEndpoint" });

export const WebhookEndpointCreated = z
	.strictObject({
		endpoint: WebhookEndpoint,
		secret: z.string().describe("Signs every delivery; shown once."),
	})
	.register(responseSchemas, { id: "WebhookEndpointCreated" });

export const WebhookEndpointList = z
	.strictObject({ endpoints: z.array(WebhookEndpoint) })
	.register(responseSchemas, { id: "WebhookEndpointList" });
