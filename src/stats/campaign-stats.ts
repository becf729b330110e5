import type { StatRow } from "./queries";

export interface ClickCounts {
	total: number;
	human: number;
	bot: number;
	uniqueHumans: number;
}

export interface Breakdown extends ClickCounts {
	value: string;
}

export interface VariantBreakdown extends ClickCounts {
	variant: string;
	links: number;
	/** Unique human clickers per link minted: the click-through rate of the variant. */
	clickThroughRate: number | null;
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
}

const EMPTY: ClickCounts = { total: 0, human: 0, bot: 0, uniqueHumans: 0 };

function counts(row: StatRow): ClickCounts {
	return { total: row.clicks, human: row.humanClicks, bot: row.botClicks, uniqueHumans: row.uniqueHumans };
}

function rate(numerator: number, denominator: number): number | null {
	return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;
}

const byHumansThenTotal = (a: ClickCounts, b: ClickCounts) => b.human - a.human || b.total - a.total;

/** Shapes the aggregate rows of one campaign into the stats response. Variant "" is a link minted without one. */
export function shapeCampaignStats(
	rows: StatRow[],
	linksByVariant: { variant: string; links: number }[],
): CampaignStats {
	const dimension = (name: string) => rows.filter((r) => r.dimension === name);
	const breakdown = (name: string) =>
		dimension(name)
			.map((r) => ({ value: r.value, ...counts(r) }))
			.sort(byHumansThenTotal);

	const total = rows.find((r) => r.dimension === "total");
	const clicks = total ? counts(total) : EMPTY;
	const links = linksByVariant.reduce((n, v) => n + v.links, 0);

	const variantClicks = new Map(dimension("variant").map((r) => [r.value, counts(r)]));
	const variants = new Set([...linksByVariant.map((v) => v.variant), ...variantClicks.keys()]);
	const byVariant = [...variants]
		.map((variant) => {
			const c = variantClicks.get(variant) ?? EMPTY;
			const minted = linksByVariant.find((v) => v.variant === variant)?.links ?? 0;
			return { variant, links: minted, ...c, clickThroughRate: rate(c.uniqueHumans, minted) };
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
	};
}
