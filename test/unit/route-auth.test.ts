import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { renderError } from "../../src/http/errors";
import { apiRouter, declareRoute, provideAuth, reply } from "../../src/http/route";
import { jsonContent } from "../../src/http/schemas";
import { assertScope, defaultScope, grants, parseScopes, SCOPES, type Scope } from "../../src/http/scopes";
import { requireAdmin, requireApiKey } from "../../src/workspaces/auth";

// Auth is closed by default: a route whose declaration names no `auth` takes the API key.
provideAuth({ apiKey: requireApiKey(), adminToken: requireAdmin() });

function appWith(auth?: "public") {
	const router = apiRouter();
	const route = declareRoute({
		method: "get",
		path: "/new",
		tag: "Test",
		summary: "A route someone just added",
		...(auth ? { auth } : {}),
		responses: {
			200: { description: "ok", content: { "application/json": { schema: z.strictObject({ ok: z.boolean() }) } } },
		},
		errors: [401],
	});
	router.openapi(route, (c) => reply(c, route, 200, { ok: true }));
	router.onError(renderError);
	return router;
}

describe("a route declared without auth", () => {
	it("should answer 401 without an API key, and say so in the document", async () => {
		const router = appWith();
		const res = await router.request("/new");
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
		const doc = router.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
		expect(doc.paths?.["/new"]?.get?.security).toEqual([{ apiKey: ["read"] }]);
	});

	it("should be public only when its declaration says so", async () => {
		const res = await appWith("public").request("/new");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});
});

describe("scopes", () => {
	function scopedApp(method: "get" | "post" | "delete", scope?: Scope) {
		const router = apiRouter();
		const route = declareRoute({
			method,
			path: "/thing",
			tag: "Test",
			summary: "A route another part adds in parallel",
			...(scope ? { scope } : {}),
			responses: { 200: { description: "ok", ...jsonContent(z.strictObject({ ok: z.boolean() })) } },
			errors: [401],
		});
		router.openapi(route, (c) => reply(c, route, 200, { ok: true }));
		router.onError(renderError);
		return router;
	}
	const securityOf = (router: ReturnType<typeof scopedApp>, method: string) => {
		const paths = router.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } }).paths ?? {};
		const item = (paths["/thing"] ?? {}) as Record<string, { security?: unknown; responses?: Record<string, unknown> }>;
		return item[method] ?? {};
	};

	it("should take read for GET and full for any other method when the declaration names none", () => {
		expect(defaultScope("GET")).toBe("read");
		expect(defaultScope("head")).toBe("read");
		for (const method of ["post", "put", "patch", "delete"]) expect(defaultScope(method)).toBe("full");
		expect(securityOf(scopedApp("get"), "get").security).toEqual([{ apiKey: ["read"] }]);
		expect(securityOf(scopedApp("post"), "post").security).toEqual([{ apiKey: ["full"] }]);
		expect(securityOf(scopedApp("delete"), "delete").security).toEqual([{ apiKey: ["full"] }]);
		expect(securityOf(scopedApp("post", "links:write"), "post").security).toEqual([{ apiKey: ["links:write"] }]);
		// Every API-key route documents the 403 of a missing scope and the 429 of the rate limit.
		expect(Object.keys(securityOf(scopedApp("post"), "post").responses ?? {})).toEqual(
			expect.arrayContaining(["403", "429"]),
		);
	});

	it("should grant a route only to full or its own scope", () => {
		fc.assert(
			fc.property(fc.subarray([...SCOPES]), fc.constantFrom(...SCOPES), (held, needed) => {
				expect(grants(held, needed)).toBe(held.includes("full") || held.includes(needed));
			}),
		);
		// read does not cover a write, and no narrow scope covers another.
		expect(grants(["read"], "links:write")).toBe(false);
		expect(grants(["conversions:write"], "read")).toBe(false);
		expect(grants(["messages:send"], "full")).toBe(false);
	});

	it("should name the missing scope in the 403", () => {
		try {
			assertScope(["read"], "messages:send");
			expect.unreachable();
		} catch (err) {
			expect(err).toMatchObject({
				code: "forbidden",
				message: expect.stringContaining('"messages:send"'),
				details: [{ path: "scope", message: "requires messages:send" }],
			});
		}
	});

	it("should refuse a scope on a route that does not take an API key", () => {
		expect(() =>
			declareRoute({
				method: "post",
				path: "/admin",
				tag: "Test",
				summary: "x",
				auth: "adminToken",
				scope: "full",
				responses: { 200: { description: "ok" } },
				errors: [],
			}),
		).toThrow(/API-key routes only/);
	});

	it("should read only known scopes from storage", () => {
		expect(parseScopes('["read","links:write"]')).toEqual(["read", "links:write"]);
		expect(parseScopes('["root","full"]')).toEqual(["full"]);
		expect(parseScopes("not json")).toEqual([]);
		expect(parseScopes('{"full":true}')).toEqual([]);
	});
});
