import { fromMinor } from "../purchases/money";
import type { CampaignStatRows, PurchaseStatRow, SourceRow, StatRow } from "./queries";

export interface ClickCounts {
	total: number;
	human: number;
	bot: number;
	uniqueHumans: number;
}

export interface Breakdown extends ClickCounts {
	value: string;
}

export interface PurchaseCounts {
	purchasers: number;
	orders: number;
	/** Revenue per currency, in major units: { USD: 49.9 }. */
	revenue: Record<string, number>;
	/** Purchasers per unique human clicker. */
	conversionRate: number | null;
}

type WindowCounts = Omit<PurchaseCounts, "conversionRate"> & { days: number };

export interface VariantBreakdown extends ClickCounts {
	variant: string;
	links: number;
	/** Unique human clickers per link minted: the click-through rate of the variant. */
	clickThroughRate: number | null;
	purchases: PurchaseCounts & { byWindow: WindowCounts[] };
}

export interface PurchaseFunnel extends PurchaseCounts {
	attributionWindowDays: number;
	/** The same counts under other attribution windows, side by side. */
	byWindow: WindowCounts[];
	/** Orders and revenue by how they were reported (pixel, api, shopify); the pixel is unsigned. */
	bySource: Record<string, { orders: number; revenue: Record<string, number> }>;
}

export interface CampaignStats {
	links: number;
	clicks: ClickCounts;
	clickThroughRate: number | null;
	byReason: Record<string, number>;
	byDay: Breakdown[];
	byVariant: VariantBreakdown[];
	byDevice: Breakdown[];
	byOs: Breakdown[];
	byBrowser: Breakdown[];
	byCountry: Breakdown[];
	purchases: PurchaseFunnel;
}

/** Windows always shown side by side, plus the workspace's own. */
const COMPARED_WINDOWS = [1, 7, 30];

const EMPTY: ClickCounts = { total: 0, human: 0, bot: 0, uniqueHumans: 0 };

function counts(row: StatRow): ClickCounts {
	return { total: row.clicks, human: row.humanClicks, bot: row.botClicks, uniqueHumans: row.uniqueHumans };
}

function rate(numerator: number, denominator: number): number | null {
	return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;
}

const byHumansThenTotal = (a: ClickCounts, b: ClickCounts) => b.human - a.human || b.total - a.total;

function purchaseCounts(
	rows: PurchaseStatRow[],
	days: number,
	variant: string | null,
): Omit<PurchaseCounts, "conversionRate"> {
	const inScope = rows.filter((r) => r.windowDays === days && (variant === null || r.variant === variant));
	const revenueMinor = new Map<string, number>();
	let purchasers = 0;
	let orders = 0;
	for (const r of inScope) {
		if (r.currency === "*") {
			purchasers += r.purchasers;
			orders += r.orders;
		} else {
			revenueMinor.set(r.currency, (revenueMinor.get(r.currency) ?? 0) + r.revenueMinor);
		}
	}
	const revenue = Object.fromEntries(
		[...revenueMinor].map(([currency, minor]) => [currency, fromMinor(minor, currency)]),
	);
	return { purchasers, orders, revenue };
}

function byWindow(rows: PurchaseStatRow[], attributionWindowDays: number, variant: string | null): WindowCounts[] {
	return [...new Set([...COMPARED_WINDOWS, attributionWindowDays])]
		.sort((a, b) => a - b)
		.map((days) => ({ days, ...purchaseCounts(rows, days, variant) }));
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
	purchases,
	bySource: sources,
	attributionWindowDays,
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
	const variants = new Set([...linksByVariant.map((v) => v.variant), ...variantClicks.keys()]);
	const byVariant = [...variants]
		.map((variant) => {
			const c = variantClicks.get(variant) ?? EMPTY;
			const minted = linksByVariant.find((v) => v.variant === variant)?.links ?? 0;
			const bought = purchaseCounts(purchases, attributionWindowDays, variant);
			return {
				variant,
				links: minted,
				...c,
				clickThroughRate: rate(c.uniqueHumans, minted),
				purchases: {
					...bought,
					conversionRate: rate(bought.purchasers, c.uniqueHumans),
					byWindow: byWindow(purchases, attributionWindowDays, variant),
				},
			};
		})
		.sort((a, b) => a.variant.localeCompare(b.variant));

	return {
		links,
		clicks,
		clickThroughRate: rate(clicks.uniqueHumans, links),
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
		purchases: {
			attributionWindowDays,
			...bought,
			conversionRate: rate(bought.purchasers, clicks.uniqueHumans),
			byWindow: byWindow(purchases, attributionWindowDays, null),
			bySource: bySource(sources),
		},
	};
}
