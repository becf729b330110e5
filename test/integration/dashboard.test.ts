import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import {
	call,
	deliver,
	IMESSAGE_PREVIEW,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	requestCapturing,
	tapCapturing,
} from "../support/helpers";

const ORIGIN = "https://tapline.test";

function form(fields: Record<string, string>, origin = ORIGIN): RequestInit {
	return {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded", origin },
		body: new URLSearchParams(fields).toString(),
	};
}

async function signIn(key: string): Promise<string> {
	const res = await call("/dashboard/sign-in", form({ apiKey: key, next: "/dashboard" }));
	expect(res.status).toBe(303);
	const cookie = res.headers.get("set-cookie") ?? "";
	return cookie.split(";")[0] ?? "";
}

function page(path: string, cookie: string): Promise<Response> {
	return call(path, { headers: { cookie } });
}

async function tap(code: string, userAgent: string): Promise<string> {
	const { response, sent } = await tapCapturing(`/${code}`, { headers: { "user-agent": userAgent } });
	await deliver(sent as TapsEnvelope[]);
	return new URL(response.headers.get("location") ?? "").searchParams.get("tlid") ?? "";
}

/** Sends what an API call queues to the consumer, as the queue would. */
async function queued(path: string, key: string, json: unknown) {
	const { response, sent } = await requestCapturing(path, {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify(json),
	});
	expect(response.status, await response.clone().text()).toBeLessThan(300);
	if (sent.length > 0) await deliver(sent, 1);
}

/** A campaign with two variants, delivered SMS (reported by another platform), taps, a preview and a purchase. */
async function seededCampaign() {
	const { key, id: workspaceId } = await newWorkspace("Dashboard Shop");
	const campaignId = await newCampaign(key, { name: "Winter Sale", stage: "purchase" });
	const links = await mint(
		key,
		campaignId,
		Array.from({ length: 8 }, (_, i) => ({ phone: `+1415555${3000 + i}`, variant: i % 2 === 0 ? "A" : "B" })),
	);
	await queued("/api/v1/messages/events", key, {
		events: links.slice(0, 7).map((l) => ({ campaignId, phone: l.phone, status: "delivered" })),
	});
	const [a1, b1, a2] = links;
	const clickId = await tap(a1?.code ?? "", IPHONE_SAFARI);
	await tap(a2?.code ?? "", IPHONE_SAFARI);
	await tap(b1?.code ?? "", IMESSAGE_PREVIEW);
	await queued("/api/v1/conversions", key, { orderId: "o-1", value: 42.5, currency: "USD", tlid: clickId });
	return { key, workspaceId, campaignId, links };
}

/** The funnel's steps as the page draws them: data-step and data-value on each bar. */
function funnelOf(html: string): Record<string, number> {
	const funnel = html.slice(html.indexOf('data-testid="funnel"'));
	const steps: Record<string, number> = {};
	for (const m of funnel.slice(0, funnel.indexOf("</svg>")).matchAll(/data-step="(\w+)" data-value="(\d+)"/g)) {
		steps[m[1] ?? ""] = Number(m[2]);
	}
	return steps;
}

describe("dashboard sign-in", () => {
	it("should send a visitor without a session to the sign-in page, and back where they were after", async () => {
		const { key, campaignId } = await seededCampaign();
		const res = await call(`/dashboard/campaigns/${campaignId}?variant=A`);
		expect(res.status).toBe(303);
		const location = res.headers.get("location") ?? "";
		expect(location).toBe(
			`/dashboard/sign-in?next=${encodeURIComponent(`/dashboard/campaigns/${campaignId}?variant=A`)}`,
		);
		const signInForm = await (await call(location)).text();
		expect(signInForm).toContain(`value="/dashboard/campaigns/${campaignId}?variant=A"`);
		const signedIn = await call(
			"/dashboard/sign-in",
			form({ apiKey: key, next: `/dashboard/campaigns/${campaignId}?variant=A` }),
		);
		expect(signedIn.headers.get("location")).toBe(`/dashboard/campaigns/${campaignId}?variant=A`);
	});

	it("should keep a signed, HttpOnly, Secure, SameSite cookie that holds no API key", async () => {
		const { key } = await newWorkspace();
		const res = await call("/dashboard/sign-in", form({ apiKey: key }));
		expect(res.status).toBe(303);
		expect(res.headers.get("location")).toBe("/dashboard");
		const cookie = res.headers.get("set-cookie") ?? "";
		expect(cookie).toMatch(/^__Host-tapline_session=/);
		expect(cookie).toContain("HttpOnly");
		expect(cookie).toContain("Secure");
		expect(cookie).toContain("SameSite=Lax");
		expect(cookie).toContain("Path=/");
		expect(decodeURIComponent(cookie)).not.toContain(key);
	});

	it("should refuse a wrong, empty or cross-site sign-in with a page that says so", async () => {
		const wrong = await call("/dashboard/sign-in", form({ apiKey: "tl_not-a-key" }));
		expect(wrong.status).toBe(401);
		expect(wrong.headers.get("set-cookie")).toBeNull();
		expect(await wrong.text()).toContain("That API key is not valid or was revoked.");
		const empty = await call("/dashboard/sign-in", form({ apiKey: " " }));
		expect(empty.status).toBe(422);
		const { key } = await newWorkspace();
		const crossSite = await call("/dashboard/sign-in", form({ apiKey: key }, "https://evil.example"));
		expect(crossSite.status).toBe(403);
		expect(crossSite.headers.get("set-cookie")).toBeNull();
	});

	it("should never send the browser elsewhere after signing in", async () => {
		const { key } = await newWorkspace();
		for (const next of [
			"https://evil.example/",
			"//evil.example/dashboard",
			"/\\evil.example/dashboard",
			"/api/v1/workspace",
			"/dashboardx",
			"/dashboard/../api/v1/workspace",
			"/dashboard/%2e%2e/api/v1/workspace",
		]) {
			const res = await call("/dashboard/sign-in", form({ apiKey: key, next }));
			expect(res.headers.get("location"), next).toBe("/dashboard");
		}
	});

	it("should end the session on a forged cookie, a revoked key and on sign-out", async () => {
		const { key, id } = await newWorkspace();
		const cookie = await signIn(key);
		expect((await page("/dashboard", cookie)).status).toBe(200);

		// The cookie names the key it signed in with: another workspace's key id in it breaks the signature.
		const other = await newWorkspace("Other");
		const keyIdOf = async (workspaceId: string) =>
			(
				await env.DB.prepare("SELECT id FROM api_keys WHERE workspace_id = ?1")
					.bind(workspaceId)
					.first<{ id: string }>()
			)?.id ?? "";
		const forged = cookie.replace(await keyIdOf(id), await keyIdOf(other.id));
		expect(forged).not.toBe(cookie);
		expect((await page("/dashboard", forged)).status).toBe(303);

		const out = await call("/dashboard/sign-out", { ...form({}), headers: { ...form({}).headers, cookie } });
		expect(out.status).toBe(303);
		expect(out.headers.get("set-cookie")).toMatch(/^__Host-tapline_session=;.*Max-Age=0/);

		await env.DB.prepare("UPDATE api_keys SET revoked_at = ?1 WHERE workspace_id = ?2").bind(Date.now(), id).run();
		expect((await page("/dashboard", cookie)).status).toBe(303);
	});
});

describe("dashboard pages", () => {
	it("should list the workspace's campaigns with their headline numbers, and none of another workspace", async () => {
		const { key, campaignId } = await seededCampaign();
		const other = await seededCampaign();
		const html = await (await page("/dashboard", await signIn(key))).text();
		expect(html).toContain(`data-campaign="${campaignId}"`);
		expect(html).not.toContain(other.campaignId);
		const row = html.slice(html.indexOf(`data-campaign="${campaignId}"`));
		// 7 delivered of 7 sent; 2 people of 8 recipients tapped; 1 of those 2 bought; $42.50.
		expect(row.slice(0, row.indexOf("</tr>"))).toMatch(
			/Winter Sale[\s\S]*purchase[\s\S]*>7<[\s\S]*100%[\s\S]*25%[\s\S]*50%[\s\S]*\$42\.50/,
		);
	});

	it("should draw the funnel with the API's numbers, for all variants and for one", async () => {
		const { key, campaignId } = await seededCampaign();
		const cookie = await signIn(key);
		const stats = (await (await call(`/api/v1/campaigns/${campaignId}/stats`, { key })).json()) as {
			rawClickThroughRate: number;
			messages: { sent: number; delivered: number; tapped: number };
			purchases: { purchasers: number };
			byVariant: {
				variant: string;
				messages: { sent: number; delivered: number; tapped: number };
				purchases: { purchasers: number };
			}[];
		};
		const all = await page(`/dashboard/campaigns/${campaignId}`, cookie);
		expect(all.status).toBe(200);
		expect(all.headers.get("cache-control")).toBe("no-store");
		expect(all.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		const html = await all.text();
		expect(funnelOf(html)).toEqual({
			sent: stats.messages.sent,
			delivered: stats.messages.delivered,
			tapped: stats.messages.tapped,
			purchased: stats.purchases.purchasers,
		});
		expect(funnelOf(html)).toEqual({ sent: 7, delivered: 7, tapped: 2, purchased: 1 });
		expect(html).toContain("Not enough data yet to compare click-through");
		expect(html).toContain("Link previews");
		// Raw: 3 of 8 links had any tap (a preview among them); human: 2 of 8.
		expect(stats.rawClickThroughRate).toBe(0.375);
		expect(html).toMatch(/data-testid="raw-ctr">38%</);
		expect(html).toMatch(/data-testid="human-ctr">25%</);
		expect(html).toContain("+14155553000");

		const b = stats.byVariant.find((v) => v.variant === "B");
		const variantHtml = await (await page(`/dashboard/campaigns/${campaignId}?variant=B`, cookie)).text();
		expect(funnelOf(variantHtml)).toEqual({
			sent: b?.messages.sent,
			delivered: b?.messages.delivered,
			tapped: b?.messages.tapped,
			purchased: b?.purchases.purchasers,
		});
		expect(variantHtml).toMatch(/aria-current="page"[^>]*>Variant B|href="[^"]*variant=B" aria-current="page"/);
	});

	it("should answer 404 for another workspace's campaign and 400 for a bad page link", async () => {
		const mine = await newWorkspace();
		const other = await seededCampaign();
		const cookie = await signIn(mine.key);
		const res = await page(`/dashboard/campaigns/${other.campaignId}`, cookie);
		expect(res.status).toBe(404);
		expect(await res.text()).not.toContain("Winter Sale");
		expect((await page(`/dashboard/campaigns/${other.campaignId}/export/recipients`, cookie)).status).toBe(404);
		expect((await page("/dashboard?cursor=bogus", cookie)).status).toBe(400);
		const own = await newCampaign(mine.key);
		const noVariant = await page(`/dashboard/campaigns/${own}?variant=Z`, cookie);
		expect(noVariant.status).toBe(404);
		expect(await noVariant.text()).toContain("This campaign has no variant &quot;Z&quot;.");
		expect((await page(`/dashboard/campaigns/${other.campaignId}/messages?status=nope`, cookie)).status).toBe(400);
	});

	it("should stream the exports with the session, and only with it", async () => {
		const { key, campaignId } = await seededCampaign();
		const cookie = await signIn(key);
		const res = await page(`/dashboard/campaigns/${campaignId}/export/recipients?format=csv`, cookie);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/csv");
		const lines = (await res.text()).trim().split("\n");
		expect(lines).toHaveLength(9);
		expect(lines[0]).toMatch(/^code,shortUrl,phone/);
		const clicks = await page(`/dashboard/campaigns/${campaignId}/export/clicks?format=ndjson`, cookie);
		expect((await clicks.text()).trim().split("\n")).toHaveLength(3);
		expect((await call(`/dashboard/campaigns/${campaignId}/export/recipients`)).status).toBe(303);
	});

	it("should show each recipient's lifecycle with the time of the purchase", async () => {
		const { key, campaignId } = await seededCampaign();
		const html = await (
			await page(`/dashboard/campaigns/${campaignId}/messages?status=delivered`, await signIn(key))
		).text();
		expect(html.match(/data-message="/g)).toHaveLength(7);
		const api = (await (await call(`/api/v1/messages?campaignId=${campaignId}`, { key })).json()) as {
			messages: { phone: string; purchasedAt: number | null; firstTapAt: number | null }[];
		};
		const buyer = api.messages.find((m) => m.phone === "+14155553000");
		expect(buyer?.purchasedAt).toBeGreaterThan(0);
		expect(api.messages.filter((m) => m.purchasedAt !== null)).toHaveLength(1);
	});

	it("should group campaigns by journey stage with the conversion onward", async () => {
		const { key, campaignId } = await seededCampaign();
		const html = await (await page("/dashboard/journey", await signIn(key))).text();
		expect(html.slice(html.indexOf('data-stage="purchase"'), html.indexOf('data-stage="retention"'))).toContain(
			campaignId,
		);
		// 8 contacts: 6 never tapped (awareness), 1 tapped (consideration), 1 bought (purchase).
		expect(html).toContain("25% of the 8 contacts who reached awareness went on to consideration");
	});
});

describe("dashboard hardening", () => {
	it("should refuse a sign-in form over its body limit with 413 before reading it", async () => {
		const res = await call(
			"/dashboard/sign-in",
			form({ apiKey: "tl_x", next: "/dashboard", padding: "x".repeat(64 * 1024) }),
		);
		expect(res.status).toBe(413);
		expect(res.headers.get("content-type")).toMatch(/text\/html/);
		expect(res.headers.get("set-cookie")).toBeNull();
	});

	it("should put hono/secure-headers on the dashboard and /docs, and not on the redirect or the pixel", async () => {
		for (const path of ["/dashboard/sign-in", "/docs"]) {
			const res = await call(path);
			expect(res.status, path).toBe(200);
			expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
			expect(res.headers.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
			expect(res.headers.get("cross-origin-opener-policy"), path).toBe("same-origin");
			expect(res.headers.get("content-security-policy"), path).toContain("default-src 'none'");
		}
		const signIn = await call("/dashboard/sign-in");
		expect(signIn.headers.get("x-frame-options")).toBe("DENY");
		expect(signIn.headers.get("referrer-policy")).toBe("same-origin");
		expect(signIn.headers.get("cache-control")).toBe("no-store");

		const { key } = await newWorkspace();
		const [link] = await mint(key, await newCampaign(key), [{ phone: "+14155552671" }]);
		const { response: redirect } = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		expect(redirect.status).toBe(302);
		for (const header of [
			"referrer-policy",
			"x-content-type-options",
			"strict-transport-security",
			"cross-origin-resource-policy",
		]) {
			expect(redirect.headers.get(header), header).toBeNull();
		}
		const { response: pixel } = await requestCapturing("/p.gif");
		expect(pixel.headers.get("cross-origin-resource-policy")).toBeNull();
		expect(pixel.headers.get("referrer-policy")).toBeNull();
	});
});
