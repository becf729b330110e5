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

/** 19.99 USD → 1999. Money is stored in minor units so that sums are exact. */
export function toMinor(value: number, currency: string): number {
	return Math.round(value * 10 ** minorDigits(currency));
}

/** 1999 USD → 19.99. */
export function fromMinor(minor: number, currency: string): number {
	const digits = minorDigits(currency);
	return Number((minor / 10 ** digits).toFixed(digits));
}
