import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronIntervalMs } from "../../src/scheduled";

const MINUTE = 60_000;

describe("cronIntervalMs", () => {
	it("should read the interval of the shapes that fire at a fixed pace", () => {
		expect(cronIntervalMs("*/5 * * * *")).toBe(5 * MINUTE);
		expect(cronIntervalMs("* * * * *")).toBe(MINUTE);
		expect(cronIntervalMs("  */15   * * * * ")).toBe(15 * MINUTE);
		expect(cronIntervalMs("7 * * * *")).toBe(60 * MINUTE);
		expect(cronIntervalMs("0 */6 * * *")).toBe(6 * 60 * MINUTE);
		expect(cronIntervalMs("30 4 * * *")).toBe(24 * 60 * MINUTE);
	});

	it("should answer null for anything without one fixed interval", () => {
		for (const cron of ["", "0 9 * * MON", "0 0 1 * *", "1,31 * * * *", "*/0 * * * *", "* * * *", "5-10 * * * *"]) {
			expect(cronIntervalMs(cron), cron).toBeNull();
		}
	});

	it("should read every */N minutes exactly", () => {
		fc.assert(fc.property(fc.integer({ min: 1, max: 59 }), (n) => cronIntervalMs(`*/${n} * * * *`) === n * MINUTE));
	});
});
