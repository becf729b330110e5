import fc from "fast-check";
import examples from "libphonenumber-js/examples.mobile.json";
import { getCountries, getExampleNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { normalisePhone } from "../../src/contacts/phone";

const NEEDS_COUNTRY = "needs a country: start with + and the country code, or pass defaultCountry";

describe("normalisePhone", () => {
	it.each([
		// United States
		["+1 (415) 555-2671", undefined, "+14155552671", "US"],
		["(415) 555-2671", "US", "+14155552671", "US"],
		["415.555.2671", "US", "+14155552671", "US"],
		["1-415-555-2671", "US", "+14155552671", "US"],
		["+1 201 555 0123", "GB", "+12015550123", "US"],
		["011 44 7400 123456", "US", "+447400123456", "GB"],
		["４１５５５５２６７１", "US", "+14155552671", "US"],
		// United Kingdom
		["+44 7400 123456", undefined, "+447400123456", "GB"],
		["07400 123456", "GB", "+447400123456", "GB"],
		["+44 (0)7400 123456", undefined, "+447400123456", "GB"],
		["020 7946 0958", "GB", "+442079460958", "GB"],
		["0044 20 7946 0958", undefined, "+442079460958", "GB"],
		["0044 20 7946 0958", "GB", "+442079460958", "GB"],
		["0044 20 7946 0958", "US", "+442079460958", "GB"],
		// Germany
		["+49 1512 3456789", undefined, "+4915123456789", "DE"],
		["01512 3456789", "DE", "+4915123456789", "DE"],
		["0151/23456789", "DE", "+4915123456789", "DE"],
		["030 901820", "DE", "+4930901820", "DE"],
		["+49 (0)30 901820", undefined, "+4930901820", "DE"],
		// France
		["06 12 34 56 78", "FR", "+33612345678", "FR"],
		["06.12.34.56.78", "FR", "+33612345678", "FR"],
		["+33 6 12 34 56 78", undefined, "+33612345678", "FR"],
		["0033 6 12 34 56 78", undefined, "+33612345678", "FR"],
		// India
		["+91 81234 56789", undefined, "+918123456789", "IN"],
		["081234 56789", "IN", "+918123456789", "IN"],
		["8123456789", "IN", "+918123456789", "IN"],
		["+91-8123456789", undefined, "+918123456789", "IN"],
		// Brazil
		["+55 11 96123-4567", undefined, "+5511961234567", "BR"],
		["(11) 96123-4567", "BR", "+5511961234567", "BR"],
		["0055 11 96123 4567", "BR", "+5511961234567", "BR"],
		// Australia
		["+61 412 345 678", undefined, "+61412345678", "AU"],
		["0412 345 678", "AU", "+61412345678", "AU"],
		["0011 61 412 345 678", "AU", "+61412345678", "AU"],
		// Non-geographic numbers belong to no country.
		["+800 1234 5678", undefined, "+80012345678", null],
	])("should read %j (defaultCountry %s) as %s", (input, defaultCountry, e164, country) => {
		expect(normalisePhone(input, defaultCountry)).toEqual({ ok: true, e164, country });
	});

	it("should let the default country's own dialling rules win over reading 00 as +", () => {
		// Brazil dials out with 00 plus a two-digit carrier code (21 is Embratel).
		expect(normalisePhone("0021 44 20 7946 0958", "BR")).toEqual({ ok: true, e164: "+442079460958", country: "GB" });
		expect(normalisePhone("0022 4601123450", "BR")).toEqual({ ok: true, e164: "+461123450", country: "SE" });
		expect(normalisePhone("0022 4601123450")).toEqual({ ok: true, e164: "+224601123450", country: "GN" });
	});

	it("should trim whitespace and accept a lowercase defaultCountry", () => {
		expect(normalisePhone("  07400 123456\n", " gb ")).toEqual({ ok: true, e164: "+447400123456", country: "GB" });
	});

	it("should treat a blank defaultCountry as none", () => {
		expect(normalisePhone("07400 123456", "")).toEqual({ ok: false, message: NEEDS_COUNTRY });
		expect(normalisePhone("+447400123456", "")).toMatchObject({ ok: true, e164: "+447400123456" });
	});

	it.each([
		["", undefined, "not a phone number"],
		["   ", "US", "not a phone number"],
		["hello", undefined, "not a phone number"],
		["n/a", "GB", "not a phone number"],
		["+", undefined, "not a phone number"],
		["++1 415 555 2671", undefined, "not a phone number"],
		["+14155552671abc", undefined, "not a phone number"],
		["call +1 415 555 2671 after 6", undefined, "not a phone number"],
		["john@example.com", "US", "not a phone number"],
		["+999 1234 5678", undefined, "not a phone number: unknown country calling code"],
		["415 555 2671", undefined, NEEDS_COUNTRY],
		["07400 123456", undefined, NEEDS_COUNTRY],
		["+1 555 555 5555", undefined, "not a valid number for country code +1"],
		["+1 415 555 267", undefined, "not a valid number for country code +1"],
		["555 555 5555", "US", "not a valid number for US"],
		["+44 7700 900123", undefined, "not a valid number for country code +44"],
		["07700 900123", "GB", "not a valid number for GB"],
		["1234", "US", "not a valid number for US"],
		["+44 1", "US", "not a phone number"],
		["+49 30 1", undefined, "not a valid number for DE"],
		["+1 415 555 2671 ext. 12", undefined, "has an extension; SMS needs a direct number"],
		["+14155552671", "XX", 'unknown defaultCountry "XX": use an ISO 3166 alpha-2 code such as US or GB'],
		["+14155552671", "USA", 'unknown defaultCountry "USA": use an ISO 3166 alpha-2 code such as US or GB'],
	])("should refuse %j (defaultCountry %s) with %j", (input, defaultCountry, message) => {
		expect(normalisePhone(input, defaultCountry)).toEqual({ ok: false, message });
	});

	it("should refuse input too long to be a number without throwing", () => {
		expect(normalisePhone(`+1 ${"4".repeat(10_000)}`)).toEqual({ ok: false, message: "not a phone number" });
	});
});

const countries = getCountries();
// Example mobile numbers with their last digits replaced: mostly valid, across every country libphonenumber knows.
const validPhone = fc
	.record({
		country: fc.constantFrom(...countries),
		tail: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }),
	})
	.map(({ country, tail }) => {
		const example = getExampleNumber(country, examples);
		return { country, national: example ? example.nationalNumber.slice(0, -tail.length) + tail.join("") : "" };
	})
	.map(({ country, national }) => ({ country, result: normalisePhone(national, country) }))
	.filter(({ result }) => result.ok);

describe("normalisePhone, for arbitrary valid numbers", () => {
	it("should give back the same number and country when its E.164 output is normalised again", () => {
		fc.assert(
			fc.property(validPhone, fc.option(fc.constantFrom(...countries)), ({ result }, otherCountry) => {
				if (!result.ok) throw new Error("filtered above");
				expect(result.e164).toMatch(/^\+[1-9]\d{6,14}$/);
				expect(normalisePhone(result.e164, otherCountry ?? undefined)).toEqual(result);
			}),
			{ numRuns: 500 },
		);
	});

	// Only countries whose exit code is plain "00" or does not start with 00. Elsewhere their own rules rightly win:
	// BR and AU dial out with 00 plus a carrier code ("0022 46..." from BR calls Sweden through carrier 22), and JP
	// has national numbers that start with 00 (0066 toll-free).
	it("should read a 00 prefix as + when no country is given, and when the country's own rules give nothing", () => {
		fc.assert(
			fc.property(validPhone, fc.constantFrom("US", "GB", "DE", "FR", "IN"), ({ result }, defaultCountry) => {
				if (!result.ok) throw new Error("filtered above");
				const dialled = `00${result.e164.slice(1)}`;
				expect(normalisePhone(dialled)).toEqual(result);
				expect(normalisePhone(dialled, defaultCountry)).toEqual(result);
			}),
			{ numRuns: 500 },
		);
	});
});

describe("normalisePhone, for arbitrary input", () => {
	it("should never throw and only ever return E.164", () => {
		fc.assert(
			fc.property(
				fc.oneof(fc.string({ unit: "binary" }), fc.stringMatching(/^[+0]?[\d ()./-]{0,20}$/)),
				fc.option(fc.oneof(fc.constantFrom(...countries), fc.string())),
				(input, defaultCountry) => {
					const result = normalisePhone(input, defaultCountry ?? undefined);
					if (result.ok) expect(result.e164).toMatch(/^\+[1-9]\d{6,14}$/);
					else expect(result.message).not.toBe("");
				},
			),
			{ numRuns: 1000 },
		);
	});
});
