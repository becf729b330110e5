import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";

const envOf = (vars: Record<string, string>) => ({ PIXEL_MAX_VALUE: "100000", ...vars }) as unknown as Env;

describe("the pixel's settings", () => {
	it("should default the hourly caps to 3 per contact and 1,000 per workspace, and no per-currency bound", () => {
		const c = parseConfig(envOf({}));
		expect(c.pixelCaps).toEqual({ perContactHour: 3, perWorkspaceHour: 1000 });
		expect([...c.pixelMaxValues]).toEqual([]);
	});

	it("should read the caps and the per-currency bounds, skipping junk", () => {
		const c = parseConfig(
			envOf({
				PIXEL_ORDERS_PER_CONTACT_HOUR: "5",
				PIXEL_ORDERS_PER_WORKSPACE_HOUR: "-1",
				PIXEL_MAX_VALUES: " vnd=2500000000, IDR = 1500000000 ,EURO=5,JPY=abc,KRW=0,",
			}),
		);
		expect(c.pixelCaps).toEqual({ perContactHour: 5, perWorkspaceHour: 1000 });
		expect(Object.fromEntries(c.pixelMaxValues)).toEqual({ VND: 2_500_000_000, IDR: 1_500_000_000 });
	});
});
