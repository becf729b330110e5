import { z } from "zod";
import { CAMPAIGN_STAGES } from "../db/schema";
import { rate, revenue } from "../http/schemas";
import { SKIP_REASONS, WAITING_REASONS } from "./follow-up-stats";

// The stats the API serves and the dashboard draws, as schemas: the routes declare them, and the shaping code's
// types are inferred from them (a field added there and not here fails the typecheck).

export const ClickCounts = z.strictObject({
	total: z.number().int(),
	human: z.number().int(),
	bot: z.number().int(),
	uniqueHumans: z.number().int(),
});

export const Breakdown = z.strictObject({ value: z.string(), ...ClickCounts.shape }).meta({ id: "Breakdown" });

/** Orders and revenue of one kind of report. */
export const TrustedMoney = z.strictObject({ orders: z.number().int(), revenue });

// The orders and revenue above split by how far they can be trusted: confirmed by the server API or a signed
// Shopify webhook, or reported only by the unsigned pixel (on a human tap, within the caps). confirmed + pixelOnly
// = the totals.
const bySureness = {
	confirmed: TrustedMoney.describe("Reported by the server API or Shopify."),
	pixelOnly: TrustedMoney.describe("Reported only by the unsigned pixel: included in the totals, not confirmed."),
};

export const WindowCounts = z
	.strictObject({
		days: z.number().int(),
		purchasers: z.number().int(),
		orders: z.number().int(),
		revenue,
		...bySureness,
	})
	.meta({ id: "WindowCounts" });

export const PurchaseCounts = z.strictObject({
	purchasers: z.number().int(),
	orders: z.number().int(),
	revenue,
	...bySureness,
	// Purchasers per unique human clicker.
	conversionRate: rate,
	// Purchasers per delivered message.
	conversionRateOnDelivered: rate,
	// Revenue per currency divided by the messages sent.
	revenuePerMessageSent: revenue,
});

/** What became of the campaign's SMS, from the provider's receipts (or the lifecycle API). */
export const MessageFunnel = z
	.strictObject({
		// Every message written for the campaign.
		total: z.number().int(),
		// Waiting for the sender (quiet hours included) or being handed to the provider.
		pending: z.number().int(),
		// With the provider, not yet sent to the carrier.
		queued: z.number().int(),
		// Reached the carrier: sent, delivered, undelivered or read.
		sent: z.number().int(),
		// Delivered to the handset (read included).
		delivered: z.number().int(),
		undelivered: z.number().int(),
		// Refused by the provider or never sent.
		failed: z.number().int(),
		// Not sent: the contact opted out or was erased before it went out.
		canceled: z.number().int(),
		// The provider call timed out or failed after it was made: not resent, so nobody is texted twice.
		unknown: z.number().int(),
		// delivered / sent.
		deliveryRate: rate,
		// Delivered messages whose recipient tapped the link (a human tap).
		tapped: z.number().int(),
		// tapped / delivered.
		clickThroughOnDelivered: rate,
		// From the delivery receipt to the first human tap; a tap that beat its receipt counts as 0.
		deliveryToFirstTapSeconds: z.strictObject({ median: z.number().nullable(), average: z.number().nullable() }),
	})
	.meta({ id: "MessageFunnel" });

export const VariantBreakdown = z.strictObject({
	variant: z.string().describe('"" for links minted without a variant.'),
	links: z.number().int(),
	...ClickCounts.shape,
	// Unique human clickers per link minted: the click-through rate of the variant.
	clickThroughRate: rate,
	// Links with any tap, bots and link previews included, per link minted.
	rawClickThroughRate: rate,
	purchases: z.strictObject({ ...PurchaseCounts.shape, byWindow: z.array(WindowCounts) }),
	messages: MessageFunnel,
});

export const PurchaseFunnel = z.strictObject({
	attributionWindowDays: z.number().int(),
	...PurchaseCounts.shape,
	// The same counts under other attribution windows, side by side.
	byWindow: z.array(WindowCounts),
	// Orders and revenue by how they were reported (pixel, api, shopify); the pixel is unsigned.
	bySource: z.record(z.string(), z.strictObject({ orders: z.number().int(), revenue })),
	byDay: z
		.array(z.strictObject({ day: z.string(), orders: z.number().int(), revenue }))
		.describe("The same orders and revenue by the UTC day of the purchase (YYYY-MM-DD), oldest first."),
});

/** A campaign's clicks, messages and purchases: what `shapeCampaignStats` makes of its rows. */
export const CampaignFigures = z.strictObject({
	links: z.number().int(),
	clicks: ClickCounts,
	clickThroughRate: rate,
	rawClickThroughRate: rate.describe(
		"Links with any tap, bots and link previews included, per link: what counting every request would report.",
	),
	byReason: z.record(z.string(), z.number().int()),
	byDay: z.array(Breakdown),
	byVariant: z.array(VariantBreakdown),
	byDevice: z.array(Breakdown),
	byOs: z.array(Breakdown),
	byBrowser: z.array(Breakdown),
	byCountry: z.array(Breakdown),
	messages: MessageFunnel,
	purchases: PurchaseFunnel,
});

const countsBy = <const R extends readonly string[]>(reasons: R) =>
	z.strictObject(Object.fromEntries(reasons.map((r) => [r, z.number().int()])) as { [K in R[number]]: z.ZodNumber });

/** One side of the recovery comparison. */
export const CohortOutcome = z
	.strictObject({
		contacts: z.number().int(),
		purchasers: z.number().int(),
		conversionRate: rate.describe("purchasers / contacts."),
		revenue,
		// Revenue per currency divided by the contacts.
		revenuePerContact: revenue,
	})
	.meta({ id: "FollowUpCohort" });

/** What the campaign's follow-up did: who it was for, what became of the SMS, and what the contacts bought. */
export const FollowUpStats = z
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
	.meta({ id: "FollowUpStats" });

export const CampaignStats = z
	.strictObject({
		campaign: z.strictObject({ id: z.string(), name: z.string(), stage: z.enum(CAMPAIGN_STAGES) }),
		...CampaignFigures.shape,
		followUps: FollowUpStats,
	})
	.meta({ id: "CampaignStats" });

const StageMoney = z.strictObject({ orders: z.number().int(), revenue });

/** The workspace's campaigns grouped by journey stage. */
export const Journey = z
	.strictObject({
		attributionWindowDays: z.number().int(),
		stages: z.array(
			z.strictObject({
				stage: z.enum(CAMPAIGN_STAGES),
				campaigns: z.number().int(),
				links: z.number().int(),
				clicks: z.strictObject({ total: z.number().int(), human: z.number().int(), uniqueHumans: z.number().int() }),
				// Summed over the stage's campaigns: a contact who bought through two campaigns counts twice.
				purchasers: z.number().int(),
				conversionRate: rate,
				orders: z.number().int(),
				revenue,
				...bySureness,
				messages: z.strictObject({ sent: z.number().int(), delivered: z.number().int(), deliveryRate: rate }),
				conversionRateOnDelivered: rate,
				revenuePerMessageSent: revenue,
				// Contacts whose own journey has reached this stage (a human tap: consideration; a purchase: purchase).
				contacts: z.number().int(),
			}),
		),
		unattributed: StageMoney,
		outsideWindow: StageMoney,
	})
	.meta({ id: "Journey" });
export type Journey = z.infer<typeof Journey>;
