import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, newCampaign, newWorkspace } from "../support/helpers";

describe("POST /api/v1/workspaces", () => {
	it("should create a workspace and show its API key once", async () => {
		const res = await call("/api/v1/workspaces", { method: "POST", key: ADMIN_TOKEN, json: { name: "Acme" } });
		expect(res.status).toBe(201);
		const body = await res.json<{ workspace: { id: string; name: string }; apiKey: string }>();
		expect(body.workspace).toMatchObject({ name: "Acme", id: expect.stringMatching(/^ws_/) });
		expect(body.apiKey).toMatch(/^tl_[0-9A-Za-z]{32}$/);
	});

	it("should store API keys hashed, never in plain text", async () => {
		const { key } = await newWorkspace();
		const { env } = await import("cloudflare:workers");
		const rows = await env.DB.prepare("SELECT * FROM api_keys").all();
		expect(JSON.stringify(rows.results)).not.toContain(key);
		expect(JSON.stringify(rows.results)).not.toContain(key.slice(3));
	});

	it("should refuse a missing or wrong admin token with 401", async () => {
		const missing = await call("/api/v1/workspaces", { method: "POST", json: { name: "x" } });
		expect(missing.status).toBe(401);
		expect(await missing.json()).toMatchObject({ error: { code: "unauthorized" } });
		const wrong = await call("/api/v1/workspaces", { method: "POST", key: "nope", json: { name: "x" } });
		expect(wrong.status).toBe(401);
	});

	it("should reject a workspace without a name with 422", async () => {
		const res = await call("/api/v1/workspaces", { method: "POST", key: ADMIN_TOKEN, json: { name: "" } });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ error: { code: "validation_failed", details: [{ path: "name" }] } });
	});

	it("should let a workspace API key reach its own campaigns only", async () => {
		const a = await newWorkspace("A");
		const b = await newWorkspace("B");
		const campaignOfA = await newCampaign(a.key);
		expect((await call(`/api/v1/campaigns/${campaignOfA}`, { key: a.key })).status).toBe(200);
		const asB = await call(`/api/v1/campaigns/${campaignOfA}`, { key: b.key });
		expect(asB.status).toBe(404);
		expect(await asB.json()).toMatchObject({ error: { code: "not_found" } });
	});

	it("should refuse the API without a valid key", async () => {
		expect((await call("/api/v1/campaigns")).status).toBe(401);
		expect((await call("/api/v1/campaigns", { key: "tl_notakey" })).status).toBe(401);
		expect((await call("/api/v1/campaigns", { key: ADMIN_TOKEN })).status).toBe(401);
	});
});
