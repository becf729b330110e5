import type { z } from "zod";
import { fromMinor, revenueByCurrency } from "../purchases/money";
import type {
	CampaignStatRows,
	DeliveredTapRow,
	MessageStatusRow,
	PurchaseDayRow,
	PurchaseStatRow,
	SourceRow,
	StatRow,
} from "./queries";
import type * as schemas from "./schemas";

// The shapes are the response schemas' (./schemas.ts): one description of each, checked by the typecheck.
export type ClickCounts = z.infer<typeof schemas.ClickCounts>;
export type Breakdown = z.infer<typeof schemas.Breakdown>;
export type PurchaseCounts = z.infer<typeof schemas.PurchaseCounts>;
type WindowCounts = z.infer<typeof schemas.WindowCounts>;
export type MessageFunnel = z.infer<typeof schemas.MessageFunnel>;
export type VariantBreakdown = z.infer<typeof schemas.VariantBreakdown>;
export type PurchaseFunnel = z.infer<typeof schemas.PurchaseFunnel>;
export type CampaignStats = z.infer<typeof schemas.CampaignFigures>;

/** Windows always shown side by side, plus the workspace's own. */
const COMPARED_WINDOWS = [1, 7, 30];

const EMPTY: ClickCounts = { total: 0, human: 0, bot: 0, uniqueHumans: 0 };

function counts(row: StatRow): ClickCounts {
	return { total: row.clicks, human: row.humanClicks, bot: row.botClicks, uniqueHumans: row.uniqueHumans };
}

/** numerator / denominator to four decimals; null when there is nothing to divide by. */
export function rate(numerator: number, denominator: number): number | null {
	return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;
}

const byHumansThenTotal = (a: ClickCounts, b: ClickCounts) => b.human - a.human || b.total - a.total;

function purchaseCounts(
	rows: PurchaseStatRow[],
	days: number,
	variant: string | null,
): Omit<PurchaseCounts, "conversionRate" | "conversionRateOnDelivered" | "revenuePerMessageSent"> {
	const inScope = rows.filter((r) => r.windowDays === days && (variant === null || r.variant === variant));
	const all = inScope.filter((r) => r.currency === "*");
	const money = inScope.filter((r) => r.currency !== "*");
	return {
		purchasers: all.reduce((n, r) => n + r.purchasers, 0),
		orders: all.reduce((n, r) => n + r.orders, 0),
		revenue: revenueByCurrency(money),
		...splitBySureness(all, money),
	};
}

/**
 * The confirmed and pixel-only parts of aggregate rows that carry pixel_* columns: `all` the "*" rows (orders),
 * `money` the per-currency rows. A currency with no revenue on one side is left out of that side.
 */
export function splitBySureness(
	all: { orders: number; pixelOrders: number }[],
	money: { currency: string; revenueMinor: number; pixelRevenueMinor: number }[],
): Pick<PurchaseCounts, "confirmed" | "pixelOnly"> {
	const pixelOrders = all.reduce((n, r) => n + r.pixelOrders, 0);
	const orders = all.reduce((n, r) => n + r.orders, 0);
	const side = (minor: (r: (typeof money)[number]) => number) =>
		revenueByCurrency(
			money.map((r) => ({ currency: r.currency, revenueMinor: minor(r) })).filter((r) => r.revenueMinor !== 0),
		);
	return {
		confirmed: { orders: orders - pixelOrders, revenue: side((r) => r.revenueMinor - r.pixelRevenueMinor) },
		pixelOnly: { orders: pixelOrders, revenue: side((r) => r.pixelRevenueMinor) },
	};
}

// Which funnel step each stored status counts in.
const STEP: Record<string, keyof MessageFunnel> = {
	pending: "pending",
	submitting: "pending",
	queued: "queued",
	sending: "queued",
	sent: "sent",
	delivered: "delivered",
	read: "delivered",
	undelivered: "undelivered",
	failed: "failed",
	canceled: "canceled",
	unknown: "unknown",
};

/** The funnel of the messages in `rows` (of one variant, or all when `variant` is null). */
export function messageFunnel(
	rows: MessageStatusRow[],
	taps: DeliveredTapRow[],
	variant: string | null,
	medianMs: number | null,
): MessageFunnel {
	const steps = { pending: 0, queued: 0, sent: 0, delivered: 0, undelivered: 0, failed: 0, canceled: 0, unknown: 0 };
	let total = 0;
	for (const r of rows) {
		if (variant !== null && r.variant !== variant) continue;
		total += r.messages;
		const step = STEP[r.status] as keyof typeof steps | undefined;
		if (step) steps[step] += r.messages;
	}
	// Delivered and undelivered messages did reach the carrier.
	const sent = steps.sent + steps.delivered + steps.undelivered;
	const inScope = taps.filter((t) => variant === null || t.variant === variant);
	const tapped = inScope.reduce((n, t) => n + t.tapped, 0);
	const timed = inScope.reduce((n, t) => n + t.timed, 0);
	const lagMs = inScope.reduce((n, t) => n + t.lagMsSum, 0);
	return {
		total,
		...steps,
		sent,
		deliveryRate: rate(steps.delivered, sent),
		tapped: tapped,
		clickThroughOnDelivered: rate(tapped, steps.delivered),
		deliveryToFirstTapSeconds: {
			median: medianMs === null ? null : Math.round(medianMs / 1000),
			average: timed > 0 ? Math.round(lagMs / timed / 1000) : null,
		},
	};
}

/** Purchase rates against the message funnel. */
function perMessage(
	bought: ReturnType<typeof purchaseCounts>,
	messages: MessageFunnel,
): Pick<PurchaseCounts, "conversionRateOnDelivered" | "revenuePerMessageSent"> {
	return {
		conversionRateOnDelivered: rate(bought.purchasers, messages.delivered),
		revenuePerMessageSent: revenuePer(bought.revenue, messages.sent),
	};
}

/** Revenue per currency divided by a count (messages sent); empty when the count is 0. */
export function revenuePer(revenue: Record<string, number>, count: number): Record<string, number> {
	if (count <= 0) return {};
	return Object.fromEntries(
		Object.entries(revenue).map(([currency, value]) => [currency, Math.round((value / count) * 10_000) / 10_000]),
	);
}

function byWindow(rows: PurchaseStatRow[], attributionWindowDays: number, variant: string | null): WindowCounts[] {
	return [...new Set([...COMPARED_WINDOWS, attributionWindowDays])]
		.sort((a, b) => a - b)
		.map((days) => ({ days, ...purchaseCounts(rows, days, variant) }));
}

function purchasesByDay(rows: PurchaseDayRow[]): PurchaseFunnel["byDay"] {
	const days = new Map<string, PurchaseFunnel["byDay"][number]>();
	for (const r of rows) {
		const entry = days.get(r.day) ?? { day: r.day, orders: 0, revenue: {} };
		days.set(r.day, entry);
		entry.orders += r.orders;
		entry.revenue[r.currency] = fromMinor(r.revenueMinor, r.currency);
	}
	return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

function bySource(rows: SourceRow[]): PurchaseFunnel["bySource"] {
	const result: PurchaseFunnel["bySource"] = {};
	for (const r of rows) {
		const entry = result[r.source] ?? { orders: 0, revenue: {} };
		result[r.source] = entry;
		entry.orders += r.orders;
		entry.revenue[r.currency] = fromMinor(r.revenueMinor, r.currency);
	}
	return result;
}

/** Shapes the aggregate rows of one campaign into the stats response. Variant "" is a link minted without one. */
export function shapeCampaignStats({
	stats: rows,
	linksByVariant,
	tappedLinksByVariant,
	purchases,
	bySource: sources,
	purchasesByDay: purchaseDays,
	attributionWindowDays,
	messages: messageRows,
	deliveredTaps,
	medianDeliveryToTapMs,
}: CampaignStatRows): CampaignStats {
	const dimension = (name: string) => rows.filter((r) => r.dimension === name);
	const breakdown = (name: string) =>
		dimension(name)
			.map((r) => ({ value: r.value, ...counts(r) }))
			.sort(byHumansThenTotal);

	const total = rows.find((r) => r.dimension === "total");
	const clicks = total ? counts(total) : EMPTY;
	const links = linksByVariant.reduce((n, v) => n + v.links, 0);
	const bought = purchaseCounts(purchases, attributionWindowDays, null);

	const variantClicks = new Map(dimension("variant").map((r) => [r.value, counts(r)]));
	const variants = new Set([
		...linksByVariant.map((v) => v.variant),
		...variantClicks.keys(),
		...messageRows.map((m) => m.variant),
	]);
	const messages = messageFunnel(messageRows, deliveredTaps, null, medianDeliveryToTapMs);
	const byVariant = [...variants]
		.map((variant) => {
			const c = variantClicks.get(variant) ?? EMPTY;
			const minted = linksByVariant.find((v) => v.variant === variant)?.links ?? 0;
			const tapped = tappedLinksByVariant.find((v) => v.variant === variant)?.links ?? 0;
			const bought = purchaseCounts(purchases, attributionWindowDays, variant);
			// The median is kept for the whole campaign only: per variant it would take a query per variant.
			const sentToVariant = messageFunnel(messageRows, deliveredTaps, variant, null);
			return {
				variant,
				links: minted,
				...c,
				clickThroughRate: rate(c.uniqueHumans, minted),
				rawClickThroughRate: rate(tapped, minted),
				purchases: {
					...bought,
					conversionRate: rate(bought.purchasers, c.uniqueHumans),
					...perMessage(bought, sentToVariant),
					byWindow: byWindow(purchases, attributionWindowDays, variant),
				},
				messages: sentToVariant,
			};
		})
		.sort((a, b) => a.variant.localeCompare(b.variant));

	return {
		links,
		clicks,
		clickThroughRate: rate(clicks.uniqueHumans, links),
		rawClickThroughRate: rate(
			tappedLinksByVariant.reduce((n, v) => n + v.links, 0),
			links,
		),
		byReason: Object.fromEntries(
			dimension("reason")
				.sort((a, b) => b.clicks - a.clicks)
				.map((r) => [r.value, r.clicks]),
		),
		byDay: breakdown("day").sort((a, b) => a.value.localeCompare(b.value)),
		byVariant,
		byDevice: breakdown("device"),
		byOs: breakdown("os"),
		byBrowser: breakdown("browser"),
		byCountry: breakdown("country"),
		messages,
		purchases: {
			attributionWindowDays,
			...bought,
			conversionRate: rate(bought.purchasers, clicks.uniqueHumans),
			...perMessage(bought, messages),
			byWindow: byWindow(purchases, attributionWindowDays, null),
			bySource: bySource(sources),
			byDay: purchasesByDay(purchaseDays),
		},
	};
}
