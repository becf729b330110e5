import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { ADMIN_TOKEN, call, newCampaign, newWorkspace } from "../support/helpers";

interface CreatedKey {
	id: string;
	apiKey: string;
	name: string;
	scopes: string[];
}

async function createKey(key: string, name: string, scopes: string[]): Promise<CreatedKey> {
	const res = await call("/api/v1/api-keys", { method: "POST", key, json: { name, scopes } });
	expect(res.status, await res.clone().text()).toBe(201);
	return res.json<CreatedKey>();
}

const ORIGIN = "https://tapline.test";
const signInForm = (apiKey: string): RequestInit => ({
	method: "POST",
	headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
	body: new URLSearchParams({ apiKey, next: "/dashboard" }).toString(),
});

/** The app with settings of its own (a fresh env object is parsed on its own by config()). */
async function callWith(vars: Record<string, string>, path: string, init: RequestInit & { key?: string } = {}) {
	const headers = new Headers(init.headers);
	if (init.key) headers.set("authorization", `Bearer ${init.key}`);
	const ctx = createExecutionContext();
	const res = await app.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }), { ...env, ...vars }, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

describe("API key management", () => {
	it("should answer a new key once with its id, list keys without them, and never store them", async () => {
		const { key } = await newWorkspace();
		const created = await createKey(key, "shop server", ["conversions:write"]);
		expect(created).toMatchObject({
			id: expect.stringMatching(/^key_/),
			apiKey: expect.stringMatching(/^tl_[0-9A-Za-z]{32}$/),
			name: "shop server",
			scopes: ["conversions:write"],
		});
		const list = await call("/api/v1/api-keys", { key });
		expect(list.status).toBe(200);
		const text = await list.text();
		expect(text).not.toContain(created.apiKey);
		expect(text).not.toContain("keyHash");
		const { apiKeys } = JSON.parse(text) as { apiKeys: Record<string, unknown>[] };
		// The workspace's first key keeps full access.
		expect(apiKeys.map((k) => [k.name, k.scopes])).toEqual([
			["first key", ["full"]],
			["shop server", ["conversions:write"]],
		]);
		expect(apiKeys[1]).toMatchObject({
			createdAt: expect.any(Number),
			lastUsedAt: null,
			start: created.apiKey.slice(0, 7),
		});
		const rows = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?1").bind(created.id).all();
		expect(JSON.stringify(rows.results)).not.toContain(created.apiKey.slice(3));
	});

	it("should record the last use, at most once a minute", async () => {
		const { key } = await newWorkspace();
		const reader = await createKey(key, "reader", ["read"]);
		const before = Date.now();
		expect((await call("/api/v1/campaigns", { key: reader.apiKey })).status).toBe(200);
		const used = async () =>
			(
				await env.DB.prepare("SELECT last_used_at AS t FROM api_keys WHERE id = ?1")
					.bind(reader.id)
					.first<{ t: number }>()
			)?.t;
		const first = await used();
		expect(first).toBeGreaterThanOrEqual(before);
		expect((await call("/api/v1/campaigns", { key: reader.apiKey })).status).toBe(200);
		// Same minute window: the row's last use did not move (unless the minute turned between the two calls).
		const second = await used();
		if (Math.floor(Date.now() / 60_000) === Math.floor((first ?? 0) / 60_000)) expect(second).toBe(first);
		const listed = await call("/api/v1/api-keys", { key });
		const { apiKeys } = await listed.json<{ apiKeys: { id: string; lastUsedAt: number | null }[] }>();
		expect(apiKeys.find((k) => k.id === reader.id)?.lastUsedAt).toBe(second);
	});

	it("should refuse a repeated name, bad scopes, and key management by a key that is not full", async () => {
		const { key } = await newWorkspace();
		const reader = await createKey(key, "reader", ["read"]);
		const again = await call("/api/v1/api-keys", { method: "POST", key, json: { name: "reader", scopes: ["read"] } });
		expect(again.status).toBe(409);
		expect(await again.json()).toMatchObject({ error: { code: "conflict" } });
		const bad = await call("/api/v1/api-keys", { method: "POST", key, json: { name: "x", scopes: ["admin"] } });
		expect(bad.status).toBe(422);
		const none = await call("/api/v1/api-keys", { method: "POST", key, json: { name: "x", scopes: [] } });
		expect(none.status).toBe(422);
		// A read key may not list keys, mint a full one, or revoke anything.
		for (const [method, path, json] of [
			["GET", "/api/v1/api-keys", undefined],
			["POST", "/api/v1/api-keys", { name: "escalate", scopes: ["full"] }],
			["DELETE", `/api/v1/api-keys/${reader.id}`, undefined],
		] as const) {
			const res = await call(path, { method, key: reader.apiKey, ...(json ? { json } : {}) });
			expect(res.status, `${method} ${path}`).toBe(403);
			expect(await res.json()).toMatchObject({
				error: {
					code: "forbidden",
					message: expect.stringContaining('"full"'),
					details: [{ path: "scope", message: "requires full" }],
				},
			});
		}
	});

	it("should keep the workspace's last full key, and revoke only its own workspace's keys", async () => {
		const { key, id } = await newWorkspace();
		const firstId = (
			await env.DB.prepare("SELECT id FROM api_keys WHERE workspace_id = ?1").bind(id).first<{ id: string }>()
		)?.id;
		const last = await call(`/api/v1/api-keys/${firstId}`, { method: "DELETE", key });
		expect(last.status).toBe(409);
		expect((await call("/api/v1/campaigns", { key })).status).toBe(200);
		const other = await newWorkspace("Other");
		const theirs = await createKey(other.key, "theirs", ["read"]);
		expect((await call(`/api/v1/api-keys/${theirs.id}`, { method: "DELETE", key })).status).toBe(404);
		expect((await call("/api/v1/campaigns", { key: theirs.apiKey })).status).toBe(200);
		// With a second full key, the first can go.
		const spare = await createKey(key, "spare", ["full"]);
		expect((await call(`/api/v1/api-keys/${firstId}`, { method: "DELETE", key: spare.apiKey })).status).toBe(204);
		expect((await call("/api/v1/campaigns", { key })).status).toBe(401);
	});
});

describe("scoped keys", () => {
	it("should answer 403 naming the scope a key lacks, and let each scope do its one job", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const shop = await createKey(key, "shop", ["conversions:write"]);
		const reader = await createKey(key, "reader", ["read"]);
		const minter = await createKey(key, "minter", ["links:write"]);

		const order = { orderId: "A-1", value: 10, currency: "USD", phone: "+14155552671" };
		const asShop = await call("/api/v1/conversions", { method: "POST", key: shop.apiKey, json: order });
		expect(asShop.status, await asShop.clone().text()).toBeLessThan(300);
		// The shop's key cannot read the stats, mint links or change the workspace.
		const read = await call(`/api/v1/campaigns/${campaignId}/stats`, { key: shop.apiKey });
		expect(read.status).toBe(403);
		expect(await read.json()).toMatchObject({
			error: {
				code: "forbidden",
				message: expect.stringContaining('"read"'),
				details: [{ path: "scope", message: "requires read" }],
			},
		});
		const links = { recipients: [{ phone: "+14155552671" }] };
		const mintAsShop = await call(`/api/v1/campaigns/${campaignId}/links`, {
			method: "POST",
			key: shop.apiKey,
			json: links,
		});
		expect(mintAsShop.status).toBe(403);
		expect(await mintAsShop.text()).toContain("links:write");
		const patch = await call("/api/v1/workspace", {
			method: "PATCH",
			key: shop.apiKey,
			json: { dailySendCap: 1_000_000 },
		});
		expect(patch.status).toBe(403);
		expect(await patch.json()).toMatchObject({ error: { details: [{ path: "scope", message: "requires full" }] } });

		// A read key reads, and writes nothing; a route that names no scope (POST /campaigns) needs full.
		expect((await call(`/api/v1/campaigns/${campaignId}/stats`, { key: reader.apiKey })).status).toBe(200);
		const create = await call("/api/v1/campaigns", {
			method: "POST",
			key: reader.apiKey,
			json: { name: "x", stage: "awareness", destinationUrl: "https://shop.example/" },
		});
		expect(create.status).toBe(403);
		const send = await call(`/api/v1/campaigns/${campaignId}/send`, {
			method: "POST",
			key: reader.apiKey,
			json: { recipients: [{ phone: "+14155552671" }], message: "Hi {link}" },
		});
		expect(send.status).toBe(403);
		expect(await send.text()).toContain("messages:send");
		const conversion = await call("/api/v1/conversions", { method: "POST", key: reader.apiKey, json: order });
		expect(conversion.status).toBe(403);

		// links:write mints links, and only that.
		const minted = await call(`/api/v1/campaigns/${campaignId}/links`, {
			method: "POST",
			key: minter.apiKey,
			json: links,
		});
		expect(minted.status).toBe(200);
		expect((await call("/api/v1/campaigns", { key: minter.apiKey })).status).toBe(403);
	});

	it("should name each route's scope in the OpenAPI document", async () => {
		const res = await call("/api/v1/openapi.json");
		const doc = await res.json<{ paths: Record<string, Record<string, { security: Record<string, string[]>[] }>> }>();
		const scopeOf = (path: string, method: string) => doc.paths[path]?.[method]?.security;
		expect(scopeOf("/api/v1/conversions", "post")).toEqual([{ apiKey: ["conversions:write"] }]);
		expect(scopeOf("/api/v1/campaigns/{id}/links", "post")).toEqual([{ apiKey: ["links:write"] }]);
		expect(scopeOf("/api/v1/campaigns/{id}/send", "post")).toEqual([{ apiKey: ["messages:send"] }]);
		expect(scopeOf("/api/v1/campaigns", "get")).toEqual([{ apiKey: ["read"] }]);
		expect(scopeOf("/api/v1/campaigns", "post")).toEqual([{ apiKey: ["full"] }]);
		expect(scopeOf("/api/v1/api-keys", "get")).toEqual([{ apiKey: ["full"] }]);
		// A POST that only reads (the phone kept out of the URL), and the lifecycle reports of a sending platform.
		expect(scopeOf("/api/v1/contacts/search", "post")).toEqual([{ apiKey: ["read"] }]);
		expect(scopeOf("/api/v1/messages/events", "post")).toEqual([{ apiKey: ["messages:send"] }]);
		expect(scopeOf("/api/v1/contacts/erase", "post")).toEqual([{ apiKey: ["full"] }]);
		expect(scopeOf("/api/v1/dead-letters/{id}/replay", "post")).toEqual([{ apiKey: ["full"] }]);
		for (const [path, item] of Object.entries(doc.paths)) {
			for (const [method, op] of Object.entries(item)) {
				for (const requirement of op.security) {
					if ("apiKey" in requirement) expect(requirement.apiKey, `${method} ${path}`).toHaveLength(1);
				}
			}
		}
	});
});

describe("revoked keys", () => {
	it("should answer 401 at once and end the key's dashboard sessions", async () => {
		const { key } = await newWorkspace();
		const reader = await createKey(key, "dashboard", ["read"]);
		const signIn = await call("/dashboard/sign-in", signInForm(reader.apiKey));
		expect(signIn.status).toBe(303);
		const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
		expect((await call("/dashboard", { headers: { cookie } })).status).toBe(200);
		expect((await call("/api/v1/campaigns", { key: reader.apiKey })).status).toBe(200);

		const revoked = await call(`/api/v1/api-keys/${reader.id}`, { method: "DELETE", key });
		expect(revoked.status).toBe(204);
		const after = await call("/api/v1/campaigns", { key: reader.apiKey });
		expect(after.status).toBe(401);
		expect(await after.json()).toMatchObject({ error: { code: "unauthorized" } });
		const dashboard = await call("/dashboard", { headers: { cookie } });
		expect(dashboard.status).toBe(303);
		expect(dashboard.headers.get("location")).toMatch(/^\/dashboard\/sign-in/);
		// Revoking again is the same answer; the key is gone from the list.
		expect((await call(`/api/v1/api-keys/${reader.id}`, { method: "DELETE", key })).status).toBe(204);
		const list = await (await call("/api/v1/api-keys", { key })).json<{ apiKeys: { id: string }[] }>();
		expect(list.apiKeys.map((k) => k.id)).not.toContain(reader.id);
		// The name is free again.
		await createKey(key, "dashboard", ["read"]);
	});

	it("should not let a key that cannot read sign in to the dashboard", async () => {
		const { key } = await newWorkspace();
		const shop = await createKey(key, "shop", ["conversions:write"]);
		const res = await call("/dashboard/sign-in", signInForm(shop.apiKey));
		expect(res.status).toBe(403);
		expect(res.headers.get("set-cookie")).toBeNull();
	});
});

describe("API rate limits", () => {
	it("should send RateLimit-Policy and RateLimit headers, then 429 rate_limited with Retry-After", async () => {
		const { key } = await newWorkspace();
		const limited = { API_RATE_LIMIT: "3" };
		const first = await callWith(limited, "/api/v1/campaigns", { key });
		// Unless the minute turned just now, the window started at this request.
		expect(first.status).toBe(200);
		expect(first.headers.get("ratelimit-policy")).toBe('"per-key";q=3;w=60');
		expect(first.headers.get("ratelimit")).toMatch(/^"per-key";r=2;t=\d+$/);
		let res = first;
		for (let i = 0; i < 3 && res.status === 200; i++) res = await callWith(limited, "/api/v1/campaigns", { key });
		expect(res.status).toBe(429);
		const retryAfter = Number(res.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(60);
		expect(res.headers.get("ratelimit")).toBe(`"per-key";r=0;t=${retryAfter}`);
		expect(await res.json()).toMatchObject({ error: { code: "rate_limited" } });
		// Per key: another key of the same workspace is not limited by this one.
		const other = await createKey(key, "other", ["read"]);
		expect((await callWith(limited, "/api/v1/campaigns", { key: other.apiKey })).status).toBe(200);
	});

	it("should allow hundreds of requests a minute by default", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", { key });
		const policy = res.headers.get("ratelimit-policy") ?? "";
		expect(Number(policy.match(/q=(\d+)/)?.[1])).toBeGreaterThanOrEqual(300);
	});
});

describe("the admin token", () => {
	it("should answer 503 explaining why while ADMIN_TOKEN is shorter than 32 characters", async () => {
		const short = "x".repeat(31);
		const res = await callWith({ ADMIN_TOKEN: short }, "/api/v1/workspaces", {
			method: "POST",
			key: short,
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ name: "Nope" }),
		});
		expect(res.status).toBe(503);
		const body = await res.json<{ error: { code: string; message: string } }>();
		expect(body.error.code).toBe("not_configured");
		expect(body.error.message).toMatch(/at least|shorter than 32/);
		expect(ADMIN_TOKEN.length).toBeGreaterThanOrEqual(32);
		const ok = await callWith({ ADMIN_TOKEN: "y".repeat(32) }, "/api/v1/workspaces", {
			method: "POST",
			key: "y".repeat(32),
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ name: "Fine" }),
		});
		expect(ok.status).toBe(201);
	});
});
