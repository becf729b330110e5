import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/queue/backoff";

describe("retryDelaySeconds", () => {
	it("should double with each attempt and stop at ten minutes", () => {
		expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelaySeconds)).toEqual([10, 20, 40, 80, 160, 320, 600, 600, 600]);
	});

	it("should treat a first delivery reported as attempt 0 like attempt 1", () => {
		expect(retryDelaySeconds(0)).toBe(10);
	});
});
