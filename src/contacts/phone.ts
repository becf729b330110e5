// "max" metadata, not the default "min": with "min", isValid() only checks lengths and a loose leading-digit pattern,
// and on random digits it accepts about 5x the numbers "max" does for BR, 2x for IN, 1.25x for DE. Those would
// become contacts we pay to text and never reach. "mobile" is stricter still but rejects landlines and US toll-free
// numbers, several of which can receive SMS; that is the SMS provider's call, not ours. The cost is about 20 kB
// gzipped in the bundle; numbers are only parsed when links are minted, never on the redirect path.
import {
	type CountryCode,
	getCountryCallingCode,
	isSupportedCountry,
	ParseError,
	type PhoneNumber,
	parsePhoneNumberWithError,
} from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string; country: string | null } | { ok: false; message: string };

const NOT_A_NUMBER = "not a phone number";
const NEEDS_COUNTRY = "needs a country: start with + and the country code, or pass defaultCountry";

type Parsed = ({ ok: true; phone: PhoneNumber } | { ok: false; reason: string }) & {
	text: string;
	defaultCountry: CountryCode | undefined;
};

/**
 * A leading "00" is read as "+": it is how most of the world writes international numbers, so lists exported from
 * Europe import cleanly, and without a country nothing else can be made of it. With a country, that country's own
 * dialling rules go first (US "011", AU and BR "00" plus a carrier code, JP's national "0066" toll-free numbers),
 * and "00" as "+" is only the fallback when they give no valid number.
 */
export function normalisePhone(input: string, defaultCountry?: string): PhoneResult {
	const text = input.trim();
	const country = countryCode(defaultCountry);
	if (country === null) {
		return {
			ok: false,
			message: `unknown defaultCountry "${defaultCountry}": use an ISO 3166 alpha-2 code such as US or GB`,
		};
	}
	const international = text.startsWith("00") ? `+${text.slice(2)}` : null;

	if (country === undefined) return toResult(parse(international ?? text));
	const local = parse(text, country);
	if (international === null || (local.ok && local.phone.isValid())) return toResult(local);
	return toResult(parse(international));
}

/** undefined when none was given, null when one was given but is not a country libphonenumber knows. */
function countryCode(defaultCountry: string | undefined): CountryCode | undefined | null {
	const code = defaultCountry?.trim().toUpperCase();
	if (!code) return undefined;
	return isSupportedCountry(code) ? code : null;
}

function parse(text: string, defaultCountry?: CountryCode): Parsed {
	try {
		// extract: false so "call +1 415 555 2671 after 6" or a number with a typo'd suffix is refused, not guessed at.
		const phone = parsePhoneNumberWithError(text, { defaultCountry, extract: false });
		return { ok: true, phone, text, defaultCountry };
	} catch (error) {
		if (error instanceof ParseError) return { ok: false, reason: error.message, text, defaultCountry };
		throw error;
	}
}

function toResult(parsed: Parsed): PhoneResult {
	const { text, defaultCountry } = parsed;
	const international = text.startsWith("+");
	if (!parsed.ok) {
		switch (parsed.reason) {
			case "INVALID_COUNTRY":
				// libphonenumber reports both "no country to go on" and "+999 is not a calling code" this way.
				if (international) return { ok: false, message: `${NOT_A_NUMBER}: unknown country calling code` };
				return { ok: false, message: defaultCountry ? NOT_A_NUMBER : NEEDS_COUNTRY };
			case "TOO_SHORT":
			case "TOO_LONG":
			case "INVALID_LENGTH":
				if (international || !defaultCountry) return { ok: false, message: NOT_A_NUMBER };
				return { ok: false, message: `not a valid number for ${defaultCountry}` };
			default:
				return { ok: false, message: NOT_A_NUMBER };
		}
	}
	const { phone } = parsed;
	if (!phone.isValid()) return { ok: false, message: `not a valid number for ${placeOf(phone, defaultCountry)}` };
	// E.164 has no extensions, and a text to a switchboard never reaches the extension.
	if (phone.ext) return { ok: false, message: "has an extension; SMS needs a direct number" };
	return { ok: true, e164: phone.number, country: phone.country ?? null };
}

function placeOf(phone: PhoneNumber, defaultCountry: CountryCode | undefined): string {
	if (phone.country) return phone.country;
	// Invalid numbers under a shared calling code (+1, +44) have no country; a national input still means ours.
	if (defaultCountry && getCountryCallingCode(defaultCountry) === phone.countryCallingCode) return defaultCountry;
	return `country code +${phone.countryCallingCode}`;
}
