import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type BoundQuery, type batch, bindNamed, type Query, type Rows, type Statement } from "../../src/db/sql";

const name = fc.stringMatching(/^[A-Za-z]{1,8}$/);
const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null));

// Rebuilds the statement with the named parameters back in place of their numbers.
function unbind({ sql }: BoundQuery, names: string[]): string {
	return sql.replace(/\?(\d+)/g, (_, n: string) => `?${names[Number(n) - 1]}`);
}

describe("bindNamed", () => {
	it("should number each name once, in order of first use, and list the values in that order", () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
				fc.array(fc.nat(), { maxLength: 20 }),
				(names, picks) => {
					const used = [...names, ...picks.map((i) => names[i % names.length] as string)];
					const statement = used.map((n) => `x = ?${n}`).join(" AND ");
					const values = Object.fromEntries(names.map((n, i) => [n, i]));
					const bound = bindNamed(statement, values);
					expect(bound.params).toEqual(names.map((_, i) => i));
					expect(new Set(bound.sql.match(/\?\d+/g)).size).toBe(names.length);
					expect(unbind(bound, names)).toBe(statement);
				},
			),
		);
	});

	it("should bind whatever value a name has, null included", () => {
		fc.assert(
			fc.property(value, (v) => {
				expect(bindNamed("SELECT ?a, ?a", { a: v })).toEqual({ sql: "SELECT ?1, ?1", params: [v] });
			}),
		);
	});

	it("should leave numbered parameters and text without parameters as they are", () => {
		expect(bindNamed("SELECT ?1 WHERE x = 'a?'", {})).toEqual({ sql: "SELECT ?1 WHERE x = 'a?'", params: [] });
	});

	it("should refuse a name that has no value", () => {
		expect(() => bindNamed("SELECT ?campaign", { campaignId: "cmp_x" })).toThrow("no value for ?campaign");
		expect(() => bindNamed("SELECT ?toString", {})).toThrow("no value for ?toString");
	});
});

describe("row types", () => {
	it("should take a table's row from the schema", () => {
		expectTypeOf<Rows["links"]["humanClicks"]>().toEqualTypeOf<number>();
		expectTypeOf<Rows["links"]["firstHumanClickAt"]>().toEqualTypeOf<number | null>();
		expectTypeOf<Rows["campaigns"]["stage"]>().toEqualTypeOf<
			"awareness" | "consideration" | "purchase" | "retention"
		>();
		// @ts-expect-error: no such column in the schema
		expectTypeOf<Rows["links"]["human_clicks"]>();
	});

	it("should keep each statement's row type through a batch", () => {
		type Code = Pick<Rows["links"], "code">;
		type Results = Awaited<
			ReturnType<typeof batch<[Statement<Code>, Statement<never>, ...Statement<{ n: number }>[]]>>
		>;
		expectTypeOf<Results[0]["results"]>().toEqualTypeOf<Code[]>();
		expectTypeOf<Results[1]["results"]>().toEqualTypeOf<never[]>();
		expectTypeOf<Results[2]["results"]>().toEqualTypeOf<{ n: number }[]>();
		expectTypeOf<Query<Code, [code: string]>["bind"]>().parameters.toEqualTypeOf<[D1Database, string]>();
	});
});
