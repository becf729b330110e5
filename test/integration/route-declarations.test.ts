import { describe, expect, it } from "vitest";
import { call, newCampaign, newWorkspace } from "../support/helpers";

// What the route declarations (src/http/route.ts) keep as the API always answered.
describe("declared routes", () => {
	it("should take the first value of a repeated query parameter, as before", async () => {
		const { key } = await newWorkspace();
		await newCampaign(key);
		await newCampaign(key);
		const res = await call("/api/v1/campaigns?limit=1&limit=100", { key });
		expect(res.status).toBe(200);
		expect((await res.json<{ campaigns: unknown[] }>()).campaigns).toHaveLength(1);
		const bad = await call("/api/v1/campaigns?limit=0&limit=1", { key });
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({
			error: { code: "bad_request", message: "limit must be a whole number from 1 to 100." },
		});
	});

	it("should answer 415, 400 and 422 for a body as readJson did", async () => {
		const { key } = await newWorkspace();
		const post = (body: string, type: string) =>
			call("/api/v1/campaigns", { key, method: "POST", body, headers: { "content-type": type } });
		const form = await post("name=x", "application/x-www-form-urlencoded");
		expect(form.status).toBe(415);
		expect(await form.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
		const broken = await post("{", "application/json; charset=utf-8");
		expect(broken.status).toBe(400);
		expect(await broken.json()).toMatchObject({ error: { code: "invalid_json" } });
		const invalid = await post(JSON.stringify({ name: "", stage: "nope" }), "application/merge-patch+json");
		expect(invalid.status).toBe(422);
		const body = await invalid.json<{ error: { code: string; details: { path: string }[] } }>();
		expect(body.error.code).toBe("validation_failed");
		expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(["name", "stage"]));
	});
});
