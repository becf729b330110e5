import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareArms, normalCdf, twoProportionPValue } from "../../src/stats/significance";

const arm = (name: string, successes: number, trials: number) => ({ name, successes, trials });

describe("twoProportionPValue", () => {
	it("should match the textbook pooled z-test", () => {
		// Reference values from erfc(|z| / sqrt 2) computed independently.
		expect(twoProportionPValue(arm("A", 100, 1000), arm("B", 150, 1000))).toBeCloseTo(0.000723, 5);
		expect(twoProportionPValue(arm("A", 100, 1000), arm("B", 120, 1000))).toBeCloseTo(0.1529, 3);
		expect(twoProportionPValue(arm("A", 30, 200), arm("B", 45, 200))).toBeCloseTo(0.05466, 4);
	});

	it("should be null without spread or without trials", () => {
		expect(twoProportionPValue(arm("A", 0, 100), arm("B", 0, 100))).toBeNull();
		expect(twoProportionPValue(arm("A", 100, 100), arm("B", 50, 50))).toBeNull();
		expect(twoProportionPValue(arm("A", 0, 0), arm("B", 5, 10))).toBeNull();
	});

	it("should be a probability, symmetric in its arms", () => {
		const arms = fc
			.tuple(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }))
			.map(([trials, share]) => arm("x", Math.floor(trials * share), trials));
		fc.assert(
			fc.property(arms, arms, (a, b) => {
				const p = twoProportionPValue(a, b);
				const q = twoProportionPValue(b, a);
				expect(p).toBe(q);
				if (p !== null) expect(p >= 0 && p <= 1).toBe(true);
			}),
		);
	});

	it("should find a fixed difference more certain as the sample grows", () => {
		fc.assert(
			fc.property(fc.integer({ min: 2, max: 2000 }), (n) => {
				const small = twoProportionPValue(arm("A", n, 10 * n), arm("B", 2 * n, 10 * n)) ?? 1;
				const large = twoProportionPValue(arm("A", 2 * n, 20 * n), arm("B", 4 * n, 20 * n)) ?? 1;
				expect(large).toBeLessThanOrEqual(small);
			}),
		);
	});
});

describe("normalCdf", () => {
	it("should match the standard normal table", () => {
		expect(normalCdf(0)).toBeCloseTo(0.5, 6);
		expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
		expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 5);
	});
});

describe("compareArms", () => {
	it("should name the winner plainly at 95% or 99% confidence", () => {
		const verdict = compareArms([arm("A", 100, 1000), arm("B", 150, 1000)], "click-through");
		expect(verdict).toMatchObject({ kind: "winner", winner: "B", runnerUp: "A", confidence: 99 });
		expect(verdict.message).toBe("B beats A on click-through, 99% confidence (B 15.0% vs A 10.0%).");
		expect(compareArms([arm("A", 100, 1000), arm("B", 132, 1000)], "click-through")).toMatchObject({
			kind: "winner",
			confidence: 95,
		});
	});

	it("should say when the difference could still be chance", () => {
		const verdict = compareArms([arm("A", 100, 1000), arm("B", 120, 1000)], "click-through");
		expect(verdict.kind).toBe("no-difference");
		expect(verdict.message).toMatch(/^No winner yet on click-through: B leads A/);
	});

	it("should say there is not enough data yet for small samples or a single variant", () => {
		expect(compareArms([arm("A", 1, 10), arm("B", 4, 10)], "purchases").message).toMatch(/^Not enough data yet/);
		expect(compareArms([arm("A", 10, 100)], "purchases").kind).toBe("insufficient");
		expect(compareArms([arm("A", 0, 0), arm("B", 10, 100)], "purchases").kind).toBe("insufficient");
	});

	it("should leave out a variant too small to test, and say so, rather than wait for it for ever", () => {
		const verdict = compareArms([arm("A", 100, 1000), arm("B", 150, 1000), arm("(none)", 1, 3)], "click-through");
		expect(verdict).toMatchObject({ kind: "winner", winner: "B", runnerUp: "A" });
		expect(verdict.message).toBe(
			"B beats A on click-through, 99% confidence (B 15.0% vs A 10.0%). (none) left out: too few recipients.",
		);
	});

	it("should call equal rates level, not a lead", () => {
		expect(compareArms([arm("A", 50, 500), arm("B", 50, 500)], "purchases").message).toBe(
			"No winner yet on purchases: A and B are level (A 10.0% vs B 10.0%).",
		);
	});

	it("should ask more of each comparison when more variants run (Bonferroni)", () => {
		// p ≈ 0.0547 for A against B alone: not 95% with two variants, and so not with three either.
		const two = compareArms([arm("A", 30, 200), arm("B", 45, 200)], "click-through");
		expect(two.kind).toBe("no-difference");
		// p ≈ 0.03: a win with two variants, not once a third makes it two comparisons (0.025 each).
		const a = arm("A", 300, 1000);
		const b = arm("B", 343, 1000);
		const p = twoProportionPValue(a, b) ?? 1;
		expect(p).toBeGreaterThan(0.025);
		expect(p).toBeLessThan(0.05);
		expect(compareArms([a, b], "click-through").kind).toBe("winner");
		expect(compareArms([a, b, arm("C", 200, 1000)], "click-through").kind).toBe("no-difference");
	});
});
