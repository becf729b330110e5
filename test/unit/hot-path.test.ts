import { describe, expect, it } from "vitest";
import { app } from "../../src/app";

// The redirect and the pixel are declared for the document only (documentRoute): nothing may run before them.
describe("the hot paths", () => {
	it("should be served by their handler alone, with no validator or middleware in front", () => {
		for (const path of ["/:code", "/p.gif"]) {
			const handlers = app.routes.filter((r) => r.path === path && r.method === "GET");
			expect(handlers, path).toHaveLength(1);
		}
		// Nor any middleware for every path of the app.
		expect(app.routes.filter((r) => r.method === "ALL" && (r.path === "*" || r.path === "/*"))).toEqual([]);
	});
});
