// Currencies Intl knows (ISO 4217), read once; used to refuse made-up codes such as "ABC".
const KNOWN = new Set(Intl.supportedValuesOf("currency"));

export function isCurrency(code: string): boolean {
	return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

const digitsByCurrency = new Map<string, number>();

/** Decimal places of a currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
	let digits = digitsByCurrency.get(currency);
	if (digits === undefined) {
		digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
		digitsByCurrency.set(currency, digits);
	}
	return digits;
}

/**
 * 19.99 USD → 1999. Money is stored in minor units so that sums are exact. Rounded on the decimal digits, half up:
 * 1.005 USD is 101 cents, where Math.round(1.005 * 100) would give 100 (1.005 is 1.00499999… in binary).
 */
export function toMinor(value: number, currency: string): number {
	const digits = minorDigits(currency);
	const [whole = "0", fraction = ""] = value.toFixed(digits + 3).split(".");
	const minor = Number(whole) * 10 ** digits + Number(fraction.slice(0, digits) || "0");
	return Number(fraction[digits] ?? "0") >= 5 ? minor + 1 : minor;
}

/** 1999 USD → 19.99. */
export function fromMinor(minor: number, currency: string): number {
	const digits = minorDigits(currency);
	return Number((minor / 10 ** digits).toFixed(digits));
}

/** Sums of minor units per currency, in major units: [{currency: "USD", revenueMinor: 4990}, …] → { USD: 49.9 }. */
export function revenueByCurrency(rows: { currency: string; revenueMinor: number }[]): Record<string, number> {
	const sums = new Map<string, number>();
	for (const r of rows) sums.set(r.currency, (sums.get(r.currency) ?? 0) + r.revenueMinor);
	return Object.fromEntries([...sums].map(([currency, minor]) => [currency, fromMinor(minor, currency)]));
}

/**
 * The largest value, in minor units of `currency`, that the unsigned pixel accepts. A bound in major units would be
 * unfair across currencies (100,000 is $100,000 but only ¥100,000, about $650, and 100,000 KWD is over $300,000),
 * and Tapline knows no exchange rates; so the bound is a count of minor units, the same for every currency:
 * `maxValue` major units of a two-decimal currency (100,000 → 10,000,000 minor units: 100,000.00 USD,
 * ¥10,000,000, 10,000.000 KWD). Currencies whose minor unit is worth far less (VND, IDR) take an explicit bound,
 * in their own major units, from `overrides`.
 */
export function pixelMaxMinor(currency: string, maxValue: number, overrides: ReadonlyMap<string, number>): number {
	const override = overrides.get(currency);
	return override === undefined ? Math.round(maxValue * 100) : toMinor(override, currency);
}
