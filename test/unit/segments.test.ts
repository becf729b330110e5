import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countSegments } from "../../src/sms-text/segments";

const GSM_BASIC =
	"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "\f^{}\\[~]|€";
const gsmChar = fc.constantFrom(...GSM_BASIC, ...GSM_EXTENSION);
const gsmText = fc.array(gsmChar, { maxLength: 500 }).map((chars) => chars.join(""));

describe("countSegments", () => {
	it("should count an empty text as 0 segments", () => {
		expect(countSegments("")).toEqual({ encoding: "GSM-7", segments: 0, units: 0, nonGsmCharacters: [] });
	});

	it.each([
		[1, 1],
		[160, 1],
		[161, 2],
		[306, 2],
		[307, 3],
		[459, 3],
		[460, 4],
	])("should fit %i GSM characters in %i segments", (length, segments) => {
		expect(countSegments("a".repeat(length))).toEqual({
			encoding: "GSM-7",
			segments,
			units: length,
			nonGsmCharacters: [],
		});
	});

	it("should count € and the other extension characters as 2 septets", () => {
		expect(countSegments("€")).toMatchObject({ encoding: "GSM-7", units: 2, segments: 1 });
		expect(countSegments(GSM_EXTENSION).units).toBe(GSM_EXTENSION.length * 2);
		expect(countSegments("€".repeat(80))).toMatchObject({ units: 160, segments: 1 });
		expect(countSegments(`${"€".repeat(80)}a`)).toMatchObject({ units: 161, segments: 2 });
	});

	it("should not split an escape pair at the 153 boundary", () => {
		// 152 septets then "€" (2): the pair cannot straddle, so it starts part 2.
		const text = `${"a".repeat(152)}€${"a".repeat(10)}`;
		expect(countSegments(text)).toMatchObject({ encoding: "GSM-7", units: 164, segments: 2 });
		// 152 + 2 + 151 = 305 septets would fit 2 × 153 if the pair could split; it cannot.
		expect(countSegments(`${"a".repeat(152)}€${"a".repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
		expect(countSegments(`${"a".repeat(151)}€${"a".repeat(153)}`)).toMatchObject({ units: 306, segments: 2 });
	});

	it.each([
		[70, 1],
		[71, 2],
		[134, 2],
		[135, 3],
	])("should fit %i UCS-2 units in %i segments", (length, segments) => {
		const text = `é${"ж".repeat(length - 1)}`;
		expect(countSegments(text)).toMatchObject({ encoding: "UCS-2", segments, units: length });
	});

	it("should not split a surrogate pair at the 67 boundary", () => {
		// 66 units then an emoji (2 units): it starts part 2.
		const text = `${"ж".repeat(66)}😀${"ж".repeat(5)}`;
		expect(countSegments(text)).toMatchObject({ encoding: "UCS-2", units: 73, segments: 2 });
		expect(countSegments(`${"ж".repeat(66)}😀${"ж".repeat(66)}`)).toMatchObject({ units: 134, segments: 3 });
		expect(countSegments("😀".repeat(35))).toMatchObject({ units: 70, segments: 1 });
		expect(countSegments("😀".repeat(36))).toMatchObject({ units: 72, segments: 2 });
	});

	it("should name the characters that forced UCS-2, once each, in order", () => {
		const result = countSegments("Don’t miss “today’s” deal 😀");
		expect(result.encoding).toBe("UCS-2");
		expect(result.nonGsmCharacters).toEqual(["’", "“", "”", "😀"]);
	});

	it("should count a single non-GSM character in a long GSM text as UCS-2 for the whole text", () => {
		expect(countSegments(`${"a".repeat(100)}’`)).toMatchObject({ encoding: "UCS-2", units: 101, segments: 2 });
	});

	it("should never count a GSM-only text as UCS-2", () => {
		fc.assert(
			fc.property(gsmText, (text) => {
				const result = countSegments(text);
				expect(result.encoding).toBe("GSM-7");
				expect(result.nonGsmCharacters).toEqual([]);
			}),
		);
	});

	it("should never count fewer segments for a longer text (appending)", () => {
		fc.assert(
			fc.property(
				fc.string({ unit: "binary", maxLength: 400 }),
				fc.string({ unit: "binary", maxLength: 50 }),
				(a, b) => {
					const before = countSegments(a);
					const after = countSegments(a + b);
					if (before.encoding === after.encoding) expect(after.segments).toBeGreaterThanOrEqual(before.segments);
					expect(after.units).toBeGreaterThanOrEqual(before.units);
				},
			),
		);
		fc.assert(
			fc.property(gsmText, gsmChar, (text, char) => {
				expect(countSegments(text + char).segments).toBeGreaterThanOrEqual(countSegments(text).segments);
			}),
		);
	});

	it("should have enough room in its segments for every unit, and not a segment too many", () => {
		fc.assert(
			fc.property(fc.oneof(gsmText, fc.string({ unit: "binary", maxLength: 400 })), (text) => {
				const { encoding, segments, units } = countSegments(text);
				const [single, part] = encoding === "GSM-7" ? [160, 153] : [70, 67];
				if (units === 0) expect(segments).toBe(0);
				else if (units <= single) expect(segments).toBe(1);
				else {
					expect(segments * part).toBeGreaterThanOrEqual(units);
					// Greedy packing wastes at most one unit per part (a pair that did not fit).
					expect((segments - 1) * (part - 1)).toBeLessThan(units);
				}
			}),
		);
	});

	it("should count UTF-16 units for UCS-2", () => {
		fc.assert(
			fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 200 }), (text) => {
				const result = countSegments(`ж${text}`);
				expect(result.encoding).toBe("UCS-2");
				expect(result.units).toBe(text.length + 1);
			}),
		);
	});
});
