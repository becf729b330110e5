import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	compareVariants,
	decodeClicksCursor,
	decodeRecipientsCursor,
	encodeClicksCursor,
	encodeRecipientsCursor,
} from "../../src/exports/cursor";
import { ApiError } from "../../src/http/errors";

const campaignId = fc.stringMatching(/^cmp_[A-Za-z0-9]{1,24}$/);
const variant = fc.option(fc.string({ unit: "grapheme", maxLength: 20 }), { nil: null });
const rowid = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const clickId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe("export cursors", () => {
	it("should give back the position they were made from, as URL-safe text", () => {
		fc.assert(
			fc.property(campaignId, variant, rowid, (id, v, r) => {
				const cursor = encodeRecipientsCursor(id, { variant: v, afterRowid: r });
				expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
				expect(decodeRecipientsCursor(cursor, id)).toEqual({ variant: v, afterRowid: r });
			}),
		);
		fc.assert(
			fc.property(campaignId, clickId, (id, after) => {
				expect(decodeClicksCursor(encodeClicksCursor(id, after), id)).toBe(after);
			}),
		);
	});

	it("should refuse a cursor of another campaign or of the other export", () => {
		fc.assert(
			fc.property(campaignId, campaignId, variant, rowid, (a, b, v, r) => {
				fc.pre(a !== b);
				const cursor = encodeRecipientsCursor(a, { variant: v, afterRowid: r });
				expect(() => decodeRecipientsCursor(cursor, b)).toThrow(ApiError);
				expect(() => decodeClicksCursor(cursor, a)).toThrow(ApiError);
			}),
		);
	});

	it("should refuse anything else with a 400, never another error", () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 200 }), (text) => {
				for (const decode of [decodeRecipientsCursor, decodeClicksCursor]) {
					try {
						decode(text, "cmp_x");
					} catch (err) {
						expect(err).toBeInstanceOf(ApiError);
					}
				}
			}),
		);
	});
});

describe("compareVariants", () => {
	it("should order as SQLite's BINARY collation does: NULL first, then by UTF-8 bytes", () => {
		const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
		const byBytes = (a: number[], b: number[]) => {
			for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
			return a.length - b.length;
		};
		fc.assert(
			fc.property(variant, variant, (a, b) => {
				const expected = a === null || b === null ? (a === b ? 0 : a === null ? -1 : 1) : byBytes(bytes(a), bytes(b));
				expect(Math.sign(compareVariants(a, b))).toBe(Math.sign(expected));
			}),
		);
		expect(compareVariants("\u{1F600}", "\uFFFD")).toBeGreaterThan(0);
	});
});
