// Is one A/B variant really better, or is the difference chance? A two-proportion z-test, pooled, two-sided, with
// the significance level split over the comparisons (Bonferroni) when more than two variants run.

export interface Arm {
	name: string;
	/** Recipients the variant went to (links minted). */
	trials: number;
	/** Recipients who did it (tapped, bought). */
	successes: number;
}

export type Verdict =
	| { kind: "insufficient"; message: string }
	| { kind: "winner"; winner: string; runnerUp: string; confidence: 95 | 99; pValue: number; message: string }
	| { kind: "no-difference"; leader: string; runnerUp: string; pValue: number; message: string };

/** The smallest sample the normal approximation is trusted on: 5 successes and 5 failures expected in every arm. */
const MIN_EXPECTED = 5;

/** Standard normal CDF via erf (Abramowitz and Stegun 7.1.26, absolute error under 1.5e-7). */
export function normalCdf(z: number): number {
	const x = Math.abs(z) / Math.SQRT2;
	const t = 1 / (1 + 0.3275911 * x);
	const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
	const erf = 1 - poly * Math.exp(-x * x);
	return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided p-value of the difference between two proportions; null when the pooled rate is 0 or 1 (no spread). */
export function twoProportionPValue(a: Arm, b: Arm): number | null {
	if (a.trials === 0 || b.trials === 0) return null;
	const pooled = (a.successes + b.successes) / (a.trials + b.trials);
	const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
	if (se === 0) return null;
	const z = (a.successes / a.trials - b.successes / b.trials) / se;
	return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

function enoughData(a: Arm, b: Arm): boolean {
	const pooled = (a.successes + b.successes) / (a.trials + b.trials);
	return [a, b].every((arm) => arm.trials * pooled >= MIN_EXPECTED && arm.trials * (1 - pooled) >= MIN_EXPECTED);
}

const percent = (arm: Arm) => `${((arm.successes / arm.trials) * 100).toFixed(1)}%`;

/**
 * Compares the leading variant with each of the others on one metric ("click-through") and says in plain words
 * whether it wins. The leader wins only when it beats every other variant; the weakest comparison is reported.
 * Variants too small to test (a few links minted without a variant, say) are left out and named, so that they do not
 * hold the verdict back for ever.
 */
export function compareArms(arms: Arm[], metric: string): Verdict {
	const withTrials = arms.filter((a) => a.trials > 0);
	const trials = withTrials.reduce((n, a) => n + a.trials, 0);
	const overall = trials > 0 ? withTrials.reduce((n, a) => n + a.successes, 0) / trials : 0;
	const testable = withTrials.filter(
		(a) => a.trials * overall >= MIN_EXPECTED && a.trials * (1 - overall) >= MIN_EXPECTED,
	);
	const leftOut = withTrials.filter((a) => !testable.includes(a)).map((a) => a.name);
	const note = leftOut.length > 0 ? ` ${leftOut.join(" and ")} left out: too few recipients.` : "";
	const ranked = testable.sort((x, y) => y.successes / y.trials - x.successes / x.trials);
	const [leader, ...others] = ranked;
	if (withTrials.length < 2) {
		return { kind: "insufficient", message: "Not enough data yet: it takes two variants with recipients." };
	}
	const needed = `${MIN_EXPECTED} recipients who did and ${MIN_EXPECTED} who did not in each variant`;
	if (!leader || others.length === 0 || !others.every((other) => enoughData(leader, other))) {
		return {
			kind: "insufficient",
			message: `Not enough data yet to compare ${metric} (it takes about ${needed}).`,
		};
	}
	// The comparison closest to chance decides.
	const weakest = others
		.map((other) => ({ other, pValue: twoProportionPValue(leader, other) ?? 1 }))
		.sort((x, y) => y.pValue - x.pValue)[0] as { other: Arm; pValue: number };
	const comparisons = others.length;
	const rivals = others.map((o) => o.name).join(" and ");
	const rates = `${leader.name} ${percent(leader)} vs ${others.map((o) => `${o.name} ${percent(o)}`).join(", ")}`;
	for (const confidence of [99, 95] as const) {
		if (weakest.pValue < (1 - confidence / 100) / comparisons) {
			return {
				kind: "winner",
				winner: leader.name,
				runnerUp: weakest.other.name,
				confidence,
				pValue: weakest.pValue,
				message: `${leader.name} beats ${rivals} on ${metric}, ${confidence}% confidence (${rates}).${note}`,
			};
		}
	}
	const level = percent(leader) === percent(weakest.other);
	return {
		kind: "no-difference",
		leader: leader.name,
		runnerUp: weakest.other.name,
		pValue: weakest.pValue,
		message: level
			? `No winner yet on ${metric}: ${leader.name} and ${weakest.other.name} are level (${rates}).${note}`
			: `No winner yet on ${metric}: ${leader.name} leads ${weakest.other.name}, but the difference could still be chance (${rates}).${note}`,
	};
}
