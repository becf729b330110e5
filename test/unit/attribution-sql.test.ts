import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ATTRIBUTION_WINDOWS } from "../../src/db/schema";
import { inAttributionWindow } from "../../src/purchases/attribution-sql";
import { DAY_MS } from "../../src/time";

// The rule as the attribution code states it: an attributed purchase, whether it carried its click id or was
// matched to the last tap, counts under the windows its lag fits; an unattributed purchase under none. (Before,
// a carried click id counted under every window, so a purchase 60 days after its click showed in the 1-day stats.)
const counts = (attributedBy: string | null, lagMs: number | null, days: number) =>
	attributedBy !== null && lagMs !== null && lagMs <= days * DAY_MS;

describe("inAttributionWindow", () => {
	it("should count a purchase under a window exactly as the attribution rule says", async () => {
		const purchase = fc.oneof(
			fc.record({ attributedBy: fc.constant("click_id"), lagMs: fc.nat(100 * DAY_MS) }),
			fc.record({ attributedBy: fc.constant("last_click"), lagMs: fc.nat(100 * DAY_MS) }),
			fc.record({ attributedBy: fc.constant(null), lagMs: fc.constant(null) }),
		);
		const atEdges = fc.constantFrom(...ATTRIBUTION_WINDOWS).chain((days) =>
			fc.record({
				days: fc.constant(days),
				purchase: fc.oneof(
					purchase,
					fc.record({
						attributedBy: fc.constantFrom("last_click", "click_id"),
						lagMs: fc.constantFrom(days * DAY_MS - 1, days * DAY_MS, days * DAY_MS + 1),
					}),
				),
			}),
		);
		await fc.assert(
			fc.asyncProperty(atEdges, async ({ days, purchase }) => {
				const row = await env.DB.prepare(
					`SELECT coalesce(${inAttributionWindow("p", "?3")}, 0) AS counted
					 FROM (SELECT ?1 AS attributed_by, ?2 AS lag_ms) AS p`,
				)
					.bind(purchase.attributedBy, purchase.lagMs, days)
					.first<{ counted: number }>();
				expect(row?.counted === 1).toBe(counts(purchase.attributedBy, purchase.lagMs, days));
			}),
			{ numRuns: 200 },
		);
	});
});
