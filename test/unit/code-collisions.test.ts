import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_CODE_ATTEMPTS, mintRetryingCollisions } from "../../src/links/code-collisions";

describe("mintRetryingCollisions", () => {
	it("should mint again only the items whose codes collided, and give up after the last attempt", async () => {
		// Each round, a random subset of the pending items collides.
		const rounds = fc.array(fc.array(fc.boolean(), { maxLength: 20 }), {
			minLength: MAX_CODE_ATTEMPTS,
			maxLength: MAX_CODE_ATTEMPTS,
		});
		await fc.assert(
			fc.asyncProperty(fc.uniqueArray(fc.nat(), { maxLength: 20 }), rounds, async (items, collisions) => {
				const seen: number[][] = [];
				const mintRound = async (pending: number[]) => {
					const collided = collisions[seen.length] ?? [];
					seen.push(pending);
					return pending.filter((_, i) => collided[i] ?? false);
				};
				let expected = items;
				const expectedRounds: number[][] = [];
				for (const collided of collisions) {
					if (expected.length === 0) break;
					expectedRounds.push(expected);
					expected = expected.filter((_, i) => collided[i] ?? false);
				}
				const minting = mintRetryingCollisions(items, mintRound, (left) => `${left} left`);
				if (expected.length > 0) await expect(minting).rejects.toThrow(`${expected.length} left`);
				else await minting;
				expect(seen).toEqual(expectedRounds);
			}),
		);
	});

	it("should not mint at all when there is nothing to mint", async () => {
		let rounds = 0;
		await mintRetryingCollisions(
			[],
			async () => {
				rounds++;
				return [];
			},
			String,
		);
		expect(rounds).toBe(0);
	});

	it("should pass on a failing write as it is", async () => {
		const failing = mintRetryingCollisions([1], () => Promise.reject(new Error("D1 down")), String);
		await expect(failing).rejects.toThrow("D1 down");
	});
});
