// Numbers as people read them. Dates and times are UTC, as the stats count days in UTC.

const counts = new Intl.NumberFormat("en-US");
const times = new Intl.DateTimeFormat("en-US", {
	month: "short",
	day: "numeric",
	hour: "2-digit",
	minute: "2-digit",
	hourCycle: "h23",
	timeZone: "UTC",
});
const days = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const moneyFormats = new Map<string, Intl.NumberFormat>();

export const NONE = "—";

export function formatCount(n: number): string {
	return counts.format(n);
}

/** 0.1234 → "12.3%"; null (nothing to divide by) → "—". */
export function formatRate(rate: number | null): string {
	if (rate === null) return NONE;
	const pct = rate * 100;
	return `${pct > 0 && pct < 0.1 ? "<0.1" : pct.toFixed(pct >= 10 || pct === 0 ? 0 : 1)}%`;
}

/** { USD: 1234.5, EUR: 20 } → "$1,234.50 · €20.00"; nothing → "—". */
export function formatMoney(revenue: Record<string, number>): string {
	const parts = Object.entries(revenue)
		.filter(([, value]) => value !== 0)
		.sort(([, a], [, b]) => b - a)
		.map(([currency, value]) => {
			let format = moneyFormats.get(currency);
			if (!format) {
				format = new Intl.NumberFormat("en-US", { style: "currency", currency });
				moneyFormats.set(currency, format);
			}
			return format.format(value);
		});
	return parts.length > 0 ? parts.join(" · ") : NONE;
}

/** Epoch milliseconds → "Nov 20, 14:03 UTC". */
export function formatTime(ms: number | null): string {
	return ms === null ? NONE : `${times.format(ms)} UTC`;
}

/** "2026-11-20" → "Nov 20". */
export function formatDay(day: string): string {
	const ms = Date.parse(`${day}T00:00:00Z`);
	return Number.isNaN(ms) ? day : days.format(ms);
}

/** Seconds → "42 s", "7 min", "3.5 h", "2.1 days". */
export function formatDuration(seconds: number | null): string {
	if (seconds === null) return NONE;
	if (seconds < 60) return `${Math.round(seconds)} s`;
	if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
	if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
	return `${(seconds / 86_400).toFixed(1)} days`;
}
