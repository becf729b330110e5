import { describe, expect, it } from "vitest";
import { z } from "zod";
import { renderError } from "../../src/http/errors";
import { apiRouter, declareRoute, provideAuth, reply } from "../../src/http/route";
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
