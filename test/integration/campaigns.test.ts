import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "../support/helpers";

async function countCampaigns(): Promise<number> {
	return (await env.DB.prepare("SELECT count(*) AS n FROM campaigns").first<number>("n")) ?? 0;
}

describe("POST /api/v1/campaigns", () => {
	it("should create a campaign with the default UTM parameters", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: { name: "Black Friday 2026!", stage: "purchase", destinationUrl: "https://shop.example/bf?ref=sms" },
		});
		expect(res.status).toBe(201);
		const { campaign } = await res.json<{ campaign: Record<string, unknown> }>();
		expect(campaign).toMatchObject({
			id: expect.stringMatching(/^cmp_/),
			name: "Black Friday 2026!",
			stage: "purchase",
			destinationUrl: "https://shop.example/bf?ref=sms",
			utm: { source: "sms", medium: "sms", campaign: "black-friday-2026" },
		});
	});

	it("should let the caller override UTM values", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: {
				name: "Welcome",
				stage: "awareness",
				destinationUrl: "https://shop.example/",
				utm: { source: "attentive", campaign: "welcome-q4", term: "new" },
			},
		});
		const { campaign } = await res.json<{ campaign: { utm: unknown } }>();
		expect(campaign.utm).toMatchObject({ source: "attentive", medium: "sms", campaign: "welcome-q4", term: "new" });
	});

	it("should list the workspace's campaigns, newest first", async () => {
		const { key } = await newWorkspace();
		for (const name of ["one", "two"]) {
			await call("/api/v1/campaigns", {
				method: "POST",
				key,
				json: { name, stage: "retention", destinationUrl: "https://shop.example/" },
			});
		}
		const res = await call("/api/v1/campaigns", { key });
		const { campaigns } = await res.json<{ campaigns: { name: string }[] }>();
		expect(campaigns.map((c) => c.name)).toEqual(["two", "one"]);
	});

	it.each([
		["a javascript: URL", { destinationUrl: "javascript:alert(1)" }],
		["a data: URL", { destinationUrl: "data:text/html,<script>alert(1)</script>" }],
		["a relative URL", { destinationUrl: "/sale" }],
		["a protocol-relative URL", { destinationUrl: "//evil.example/" }],
		["an unknown stage", { stage: "loyalty" }],
		["a name of the wrong type", { name: 42 }],
		["an unknown field", { colour: "red" }],
	])("should reject %s with 422 and store nothing", async (_, change) => {
		const { key } = await newWorkspace();
		const before = await countCampaigns();
		const res = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: { name: "x", stage: "awareness", destinationUrl: "https://shop.example/", ...change },
		});
		expect(res.status).toBe(422);
		const body = await res.json<{ error: { code: string; message: string; details: unknown[] } }>();
		expect(body.error.code).toBe("validation_failed");
		expect(body.error.details.length).toBeGreaterThan(0);
		expect(await countCampaigns()).toBe(before);
	});

	it("should reject malformed JSON with 400", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			headers: { "content-type": "application/json" },
			body: '{"name": "x",',
		});
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: { code: "invalid_json" } });
	});

	it("should reject a body that is not JSON with 415", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", { method: "POST", key, body: "name=x" });
		expect(res.status).toBe(415);
	});

	it("should reject an oversize body with 413", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: { name: "x".repeat(100_000), stage: "awareness", destinationUrl: "https://shop.example/" },
		});
		expect(res.status).toBe(413);
		expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
	});

	it("should answer unknown API paths with a JSON 404", async () => {
		const res = await call("/api/v1/nothing-here");
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
	});
});

describe("PATCH /api/v1/campaigns/:id", () => {
	it("should change the destination and UTM values, and the redirect should follow at once", async () => {
		const { key } = await newWorkspace();
		const created = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: { name: "Sale", stage: "awareness", destinationUrl: "https://shop.example/old", utm: { term: "t" } },
		});
		const { campaign } = await created.json<{ campaign: { id: string } }>();
		const minted = await call(`/api/v1/campaigns/${campaign.id}/links`, {
			method: "POST",
			key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const code = (await minted.json<{ links: { code: string }[] }>()).links[0]?.code;
		expect((await call(`/${code}`)).headers.get("location")).toContain("https://shop.example/old?");

		const res = await call(`/api/v1/campaigns/${campaign.id}`, {
			method: "PATCH",
			key,
			json: { stage: "purchase", destinationUrl: "https://shop.example/new", utm: { source: "text", term: null } },
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			campaign: {
				name: "Sale",
				stage: "purchase",
				destinationUrl: "https://shop.example/new",
				utm: { source: "text", medium: "sms", campaign: "sale", term: null },
			},
		});
		const location = new URL((await call(`/${code}`)).headers.get("location") ?? "");
		expect(`${location.origin}${location.pathname}`).toBe("https://shop.example/new");
		expect(location.searchParams.get("utm_source")).toBe("text");
		expect(location.searchParams.has("utm_term")).toBe(false);
	});

	it("should refuse an empty change, a bad URL, and another workspace's campaign", async () => {
		const { key } = await newWorkspace();
		const other = await newWorkspace("Other");
		const created = await call("/api/v1/campaigns", {
			method: "POST",
			key,
			json: { name: "Sale", stage: "awareness", destinationUrl: "https://shop.example/" },
		});
		const { campaign } = await created.json<{ campaign: { id: string } }>();
		const patch = (json: unknown, k = key) =>
			call(`/api/v1/campaigns/${campaign.id}`, { method: "PATCH", key: k, json });
		expect((await patch({})).status).toBe(422);
		expect((await patch({ destinationUrl: "javascript:alert(1)" })).status).toBe(422);
		expect((await patch({ utm: { source: null } })).status).toBe(422);
		expect((await patch({ name: "Mine now" }, other.key)).status).toBe(404);
		const unchanged = await call(`/api/v1/campaigns/${campaign.id}`, { key });
		expect(await unchanged.json()).toMatchObject({
			campaign: { name: "Sale", destinationUrl: "https://shop.example/" },
		});
	});
});

describe("unsupported methods", () => {
	it("should answer 405 with Allow for a known endpoint and 404 for an unknown one", async () => {
		const { key } = await newWorkspace();
		const res = await call("/api/v1/campaigns", { method: "DELETE", key });
		expect(res.status).toBe(405);
		expect(res.headers.get("allow")).toBe("POST, GET");
		expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
		const put = await call("/api/v1/links/Abc1234", { method: "PUT", key });
		expect(put.status).toBe(405);
		expect(put.headers.get("allow")).toBe("GET, DELETE");
		expect((await call("/api/v1/campaigns/x/y/z", { key })).status).toBe(404);
	});
});
