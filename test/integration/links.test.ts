import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, mint, newCampaign, newWorkspace } from "../support/helpers";

async function count(table: "links" | "contacts"): Promise<number> {
	return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<number>("n")) ?? 0;
}

describe("POST /api/v1/campaigns/:id/links", () => {
	it("should mint one link per recipient, in input order, with phones in E.164", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const links = await mint(key, campaign, [
			{ phone: "+1 (415) 555-2671", externalId: "cust-1", variant: "A" },
			{ phone: "+44 20 7946 0958", variant: "B" },
			{ phone: "+49 30 901820" },
		]);
		expect(links.map((l) => l.phone)).toEqual(["+14155552671", "+442079460958", "+4930901820"]);
		expect(links.map((l) => l.variant)).toEqual(["A", "B", null]);
		for (const link of links) {
			expect(link.code).toMatch(/^[0-9A-Za-z]{7}$/);
			expect(link.shortUrl).toBe(`https://tapline.test/${link.code}`);
			expect(link.contactId).toMatch(/^ct_/);
			expect(link.created).toBe(true);
		}
		expect(new Set(links.map((l) => l.code)).size).toBe(3);
	});

	it("should return the same link when the same (campaign, phone) is minted again", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const [first] = await mint(key, campaign, [{ phone: "+14155552671" }]);
		const linksBefore = await count("links");
		// Same number written differently, and listed twice in one request.
		const again = await mint(key, campaign, [{ phone: "+1 415-555-2671" }, { phone: "+14155552671" }]);
		expect(again.map((l) => l.code)).toEqual([first?.code, first?.code]);
		expect(again.every((l) => !l.created)).toBe(true);
		expect(await count("links")).toBe(linksBefore);
	});

	it("should give one contact a separate link in each campaign", async () => {
		const { key } = await newWorkspace();
		const [one] = await mint(key, await newCampaign(key), [{ phone: "+14155552671" }]);
		const [two] = await mint(key, await newCampaign(key), [{ phone: "+14155552671" }]);
		expect(one?.contactId).toBe(two?.contactId);
		expect(one?.code).not.toBe(two?.code);
	});

	it("should read national numbers with defaultCountry", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const res = await call(`/api/v1/campaigns/${campaign}/links`, {
			method: "POST",
			key,
			json: { defaultCountry: "gb", recipients: [{ phone: "020 7946 0958" }] },
		});
		expect(res.status).toBe(200);
		const { links } = await res.json<{ links: { phone: string }[] }>();
		expect(links[0]?.phone).toBe("+442079460958");
	});

	it("should report every bad recipient by index and mint nothing of that request", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const before = { links: await count("links"), contacts: await count("contacts") };
		const res = await call(`/api/v1/campaigns/${campaign}/links`, {
			method: "POST",
			key,
			json: {
				recipients: [
					{ phone: "+14155552671" },
					{ phone: "not a phone" },
					{ phone: "+14155552672", timezone: "Mars/Olympus" },
					{ phone: 4155552673 },
				],
			},
		});
		expect(res.status).toBe(422);
		const body = await res.json<{ error: { code: string; details: { index: number; path: string }[] } }>();
		expect(body.error.code).toBe("validation_failed");
		expect(body.error.details).toEqual([
			expect.objectContaining({ index: 1, path: "recipients.1.phone" }),
			expect.objectContaining({ index: 2, path: "recipients.2.timezone" }),
			expect.objectContaining({ index: 3, path: "recipients.3.phone" }),
		]);
		expect({ links: await count("links"), contacts: await count("contacts") }).toEqual(before);
	});

	it("should refuse one phone listed twice with different details, and accept exact repeats", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const res = await call(`/api/v1/campaigns/${campaign}/links`, {
			method: "POST",
			key,
			json: {
				recipients: [
					{ phone: "+14155552671", variant: "A" },
					{ phone: "+1 415 555 2671", variant: "B" },
				],
			},
		});
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({
			error: { details: [{ index: 1, path: "recipients.1.phone", message: expect.stringContaining("recipients.0") }] },
		});
		const same = await mint(key, campaign, [
			{ phone: "+14155552671", variant: "A" },
			{ phone: "+1 415 555 2671", variant: "A" },
		]);
		expect(same[0]?.code).toBe(same[1]?.code);
	});

	it("should refuse a body over 6 MiB with 413", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const recipients = Array.from({ length: 10_000 }, () => ({ phone: "+14155552671", externalId: "x".repeat(700) }));
		const res = await call(`/api/v1/campaigns/${campaign}/links`, { method: "POST", key, json: { recipients } });
		expect(res.status).toBe(413);
		expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
	});

	it("should refuse more than 10,000 recipients in one request", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const recipients = Array.from({ length: 10_001 }, (_, i) => ({ phone: `+1415555${String(i).padStart(4, "0")}` }));
		const res = await call(`/api/v1/campaigns/${campaign}/links`, { method: "POST", key, json: { recipients } });
		expect(res.status).toBe(422);
		expect(await res.json()).toMatchObject({ error: { details: [{ path: "recipients" }] } });
	});

	it("should mint 10,000 recipients in one request", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const recipients = Array.from({ length: 10_000 }, (_, i) => ({
			phone: `+1206555${String(i).padStart(4, "0")}`,
			variant: i % 2 ? "B" : "A",
		}));
		const links = await mint(key, campaign, recipients);
		expect(links).toHaveLength(10_000);
		expect(new Set(links.map((l) => l.code)).size).toBe(10_000);
		expect(links[9_999]?.phone).toBe("+12065559999");
		const again = await mint(key, campaign, recipients);
		expect(again.map((l) => l.code)).toEqual(links.map((l) => l.code));
	});

	it("should 404 for a campaign of another workspace and mint nothing", async () => {
		const a = await newWorkspace("A");
		const b = await newWorkspace("B");
		const campaign = await newCampaign(a.key);
		const before = await count("links");
		const res = await call(`/api/v1/campaigns/${campaign}/links`, {
			method: "POST",
			key: b.key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		expect(res.status).toBe(404);
		expect(await count("links")).toBe(before);
	});
});

describe("GET and DELETE /api/v1/links/:code", () => {
	it("should show one link with its destination and click counts", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const [link] = await mint(key, campaign, [{ phone: "+14155552671", variant: "B" }]);
		const res = await call(`/api/v1/links/${link?.code}`, { key });
		expect(res.status).toBe(200);
		const body = await res.json<{ link: Record<string, unknown> }>();
		expect(body.link).toMatchObject({
			code: link?.code,
			campaignId: campaign,
			phone: "+14155552671",
			variant: "B",
			clicks: { total: 0, human: 0, bot: 0, uniqueHumans: 0 },
		});
		expect(body.link.destination).toBe(
			"https://shop.example/sale?utm_source=sms&utm_medium=sms&utm_campaign=spring-sale&utm_content=B",
		);
	});

	it("should hide links of other workspaces", async () => {
		const a = await newWorkspace("A");
		const b = await newWorkspace("B");
		const [link] = await mint(a.key, await newCampaign(a.key), [{ phone: "+14155552671" }]);
		expect((await call(`/api/v1/links/${link?.code}`, { key: b.key })).status).toBe(404);
		expect((await call(`/api/v1/links/${link?.code}`, { key: b.key, method: "DELETE" })).status).toBe(404);
		expect((await call(`/api/v1/links/${link?.code}`, { key: a.key })).status).toBe(200);
	});

	it("should delete a link so it no longer redirects, and let the recipient be minted a new one", async () => {
		const { key } = await newWorkspace();
		const campaign = await newCampaign(key);
		const [link] = await mint(key, campaign, [{ phone: "+14155552671" }]);
		expect((await call(`/${link?.code}`)).status).toBe(302);
		expect((await call(`/api/v1/links/${link?.code}`, { key, method: "DELETE" })).status).toBe(204);
		expect((await call(`/${link?.code}`)).status).toBe(404);
		expect((await call(`/api/v1/links/${link?.code}`, { key })).status).toBe(404);
		const [fresh] = await mint(key, campaign, [{ phone: "+14155552671" }]);
		expect(fresh?.code).not.toBe(link?.code);
		expect(fresh?.created).toBe(true);
	});
});
