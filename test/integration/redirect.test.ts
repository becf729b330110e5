import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearLinkCache } from "../../src/cache/link-cache";
import { ANDROID_CHROME, call, mint, newCampaign, newWorkspace, tapCapturing } from "../support/helpers";
import { refusingQueue } from "../support/queues";

async function linkFor(destinationUrl: string, variant?: string, utm?: Record<string, string>) {
	const { key } = await newWorkspace();
	const campaign = await newCampaign(key, { name: "Spring Sale", destinationUrl, ...(utm ? { utm } : {}) });
	const [link] = await mint(key, campaign, [{ phone: "+14155552671", ...(variant ? { variant } : {}) }]);
	if (!link) throw new Error("no link minted");
	return { key, campaign, link };
}

describe("GET /:code", () => {
	it("should redirect with 302 to the destination with UTM parameters and the click id", async () => {
		const { link } = await linkFor("https://shop.example/sale", "B");
		const { response, sent } = await tapCapturing(`/${link.code}`, { headers: { "user-agent": ANDROID_CHROME } });
		expect(response.status).toBe(302);
		expect(response.headers.get("cache-control")).toBe("private, no-store");
		const location = new URL(response.headers.get("location") ?? "");
		expect(`${location.origin}${location.pathname}`).toBe("https://shop.example/sale");
		expect(Object.fromEntries(location.searchParams)).toEqual({
			utm_source: "sms",
			utm_medium: "sms",
			utm_campaign: "spring-sale",
			utm_content: "B",
			tlid: expect.stringMatching(/^[0-9A-Za-z]{20}$/),
		});
		expect(sent).toHaveLength(1);
		expect(sent[0]?.taps[0]).toMatchObject({
			id: location.searchParams.get("tlid"),
			code: link.code,
			contactId: link.contactId,
			variant: "B",
			method: "GET",
			userAgent: ANDROID_CHROME,
		});
	});

	it("should keep the destination's own parameters and let the campaign's UTM values win", async () => {
		const { link } = await linkFor("https://shop.example/p?id=42&utm_source=google&utm_medium=cpc#reviews");
		const { response } = await tapCapturing(`/${link.code}`);
		const location = new URL(response.headers.get("location") ?? "");
		expect(location.searchParams.get("id")).toBe("42");
		expect(location.searchParams.getAll("utm_source")).toEqual(["sms"]);
		expect(location.searchParams.getAll("utm_medium")).toEqual(["sms"]);
		expect(location.hash).toBe("#reviews");
	});

	it("should ignore query parameters on the short link", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		const { response } = await tapCapturing(
			`/${link.code}?url=https://evil.example&utm_source=evil&tlid=forged&destination=//evil.example`,
		);
		const location = new URL(response.headers.get("location") ?? "");
		expect(location.host).toBe("shop.example");
		expect(location.searchParams.get("utm_source")).toBe("sms");
		expect(location.searchParams.get("tlid")).not.toBe("forged");
		expect(location.search).not.toContain("evil");
	});

	it("should mint a new click id for every tap", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		const one = await tapCapturing(`/${link.code}`);
		const two = await tapCapturing(`/${link.code}`);
		expect(one.sent[0]?.taps[0]?.id).not.toBe(two.sent[0]?.taps[0]?.id);
	});

	it("should answer unknown and deleted codes with the same small 404 page", async () => {
		const { key, link } = await linkFor("https://shop.example/sale");
		await call(`/api/v1/links/${link.code}`, { key, method: "DELETE" });
		const deleted = await tapCapturing(`/${link.code}`);
		const unknown = await tapCapturing("/Zz9Zz9Q");
		const junk = await tapCapturing("/wp-login.php");
		for (const r of [deleted, unknown, junk]) {
			expect(r.response.status).toBe(404);
			expect(r.response.headers.get("content-type")).toBe("text/html; charset=utf-8");
			expect(r.sent).toHaveLength(0);
		}
		const body = await deleted.response.text();
		expect(await unknown.response.text()).toBe(body);
		expect(await junk.response.text()).toBe(body);
		expect(body.length).toBeLessThan(1024);
	});

	it("should still redirect when the queue refuses the click", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		const { app } = await import("../../src/app");
		const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
		const broken = refusingQueue();
		const ctx = createExecutionContext();
		const response = await app.fetch(
			new Request(`https://tapline.test/${link.code}`, { redirect: "manual" }),
			{ ...env, EVENTS: broken },
			ctx,
		);
		await waitOnExecutionContext(ctx);
		expect(response.status).toBe(302);
	});

	it("should show a small retry page, not an API error, when the database fails", async () => {
		const { app } = await import("../../src/app");
		const { createExecutionContext } = await import("cloudflare:test");
		const broken = {
			prepare: () => {
				throw new Error("D1_ERROR: database unavailable");
			},
		} as unknown as D1Database;
		clearLinkCache();
		const response = await app.fetch(
			new Request("https://tapline.test/Qq7Ww8E", { redirect: "manual" }),
			{ ...env, DB: broken },
			createExecutionContext(),
		);
		expect(response.status).toBe(503);
		expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(await response.text()).toContain("try again");
	});

	it("should answer HEAD with the redirect and report the method, but with no click id", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		const { response, sent } = await tapCapturing(`/${link.code}`, {
			method: "HEAD",
			headers: { "user-agent": ANDROID_CHROME },
		});
		expect(response.status).toBe(302);
		expect(new URL(response.headers.get("location") ?? "").searchParams.has("tlid")).toBe(false);
		expect(sent[0]?.taps[0]?.method).toBe("HEAD");
	});

	it("should give HEAD, bots, previews and scanners the destination without a tlid, its parameters kept", async () => {
		const { link } = await linkFor("https://shop.example/p?id=42&tlid=stale#reviews");
		const human = await tapCapturing(`/${link.code}`, { headers: { "user-agent": ANDROID_CHROME } });
		const withClickId = new URL(human.response.headers.get("location") ?? "");
		expect(withClickId.searchParams.get("tlid")).toMatch(/^[0-9A-Za-z]{20}$/);
		const agents = [
			"curl/8.5.0",
			"python-requests/2.32.3",
			"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			"facebookexternalhit/1.1",
			"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
			"",
		];
		for (const ua of agents) {
			const { response, sent } = await tapCapturing(`/${link.code}`, { headers: { "user-agent": ua } });
			expect(response.status, ua).toBe(302);
			const location = new URL(response.headers.get("location") ?? "");
			expect(location.searchParams.has("tlid"), ua).toBe(false);
			expect(location.searchParams.get("id")).toBe("42");
			expect(location.searchParams.get("utm_source")).toBe("sms");
			expect(location.hash).toBe("#reviews");
			// The tap is still recorded (as a bot, by the consumer).
			expect(sent[0]?.taps).toHaveLength(1);
		}
		// Through the Worker's real entry point too: HEAD is answered by the GET handler.
		const head = await call(`/${link.code}`, { method: "HEAD", headers: { "user-agent": ANDROID_CHROME } });
		expect(head.status).toBe(302);
		expect(head.headers.get("location")).toBe(
			`${withClickId.origin}${withClickId.pathname}?id=42&utm_source=sms&utm_medium=sms&utm_campaign=spring-sale#reviews`,
		);
	});

	it("should decline a browser prefetch without a redirect, so the real tap still comes through", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		const { response, sent } = await tapCapturing(`/${link.code}`, {
			headers: { "sec-purpose": "prefetch", "user-agent": ANDROID_CHROME },
		});
		expect(response.status).toBe(503);
		expect(response.headers.get("cache-control")).toBe("no-store");
		expect(response.headers.get("location")).toBeNull();
		expect(sent[0]?.taps[0]?.prefetch).toEqual({ "sec-purpose": "prefetch" });
	});

	it("should serve a cached link without asking D1 again", async () => {
		const { link } = await linkFor("https://shop.example/sale");
		clearLinkCache();
		await tapCapturing(`/${link.code}`);
		// Change the row behind the cache's back: a cached lookup keeps the old destination.
		await env.DB.prepare(
			"UPDATE campaigns SET destination_url = 'https://other.example/' WHERE id = (SELECT campaign_id FROM links WHERE code = ?)",
		)
			.bind(link.code)
			.run();
		const cached = await tapCapturing(`/${link.code}`);
		expect(cached.response.headers.get("location")).toContain("https://shop.example/sale");
		clearLinkCache();
		const fresh = await tapCapturing(`/${link.code}`);
		expect(fresh.response.headers.get("location")).toContain("https://other.example/");
	});
});
