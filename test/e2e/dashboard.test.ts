// The dashboard in headless Chromium against the Worker under `wrangler dev` (global-setup.ts): a campaign seeded
// through the public API (A/B links, delivery reports, taps by phones and by a link-preview bot, purchases), then
// sign-in, the campaign page's funnel against the API's stats, a variant, a CSV export and sign-out, as a marketer
// would click through them. Screenshots go to test-output/dashboard/.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../support/e2e/chromium";

const workerUrl = inject("workerUrl");
const adminToken = inject("adminToken");
const SHOTS = fileURLToPath(new URL("../../test-output/dashboard/", import.meta.url));
const IPHONE_UA =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const ANDROID_UA =
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const WHATSAPP_UA = "WhatsApp/2.23.20.0 A";
const WAIT_MS = 20_000;

interface Funnel {
	sent: number;
	delivered: number;
	tapped: number;
	purchasers: number;
}
interface Stats {
	clicks: { total: number };
	messages: { sent: number; delivered: number; tapped: number };
	purchases: { purchasers: number };
	byVariant: { variant: string; messages: Funnel; purchases: { purchasers: number } }[];
}

async function api<T>(path: string, key: string, json?: unknown): Promise<T> {
	const res = await fetch(`${workerUrl}/api/v1${path}`, {
		method: json === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
		body: json === undefined ? undefined : JSON.stringify(json),
	});
	if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

async function tap(shortUrl: string, userAgent: string): Promise<string> {
	const res = await fetch(shortUrl, { headers: { "user-agent": userAgent }, redirect: "manual" });
	return new URL(res.headers.get("location") ?? "").searchParams.get("tlid") ?? "";
}

async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const deadline = Date.now() + WAIT_MS;
	let last = await read();
	while (!done(last)) {
		if (Date.now() > deadline) throw new Error(`${what} did not happen in ${WAIT_MS} ms: ${JSON.stringify(last)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
		last = await read();
	}
	return last;
}

/** 40 recipients in two variants, 38 delivered; A gets 8 people tapping, B 3; 5 previews; 3 purchases. */
async function seedCampaign() {
	const { apiKey: key } = await api<{ apiKey: string }>("/workspaces", adminToken, { name: "Browser Shop" });
	const { campaign } = await api<{ campaign: { id: string } }>("/campaigns", key, {
		name: "Browser Winter Sale",
		stage: "purchase",
		destinationUrl: "https://shop.example/winter",
	});
	const { links } = await api<{ links: { shortUrl: string; phone: string; variant: string }[] }>(
		`/campaigns/${campaign.id}/links`,
		key,
		{
			recipients: Array.from({ length: 40 }, (_, i) => ({
				phone: `+1415707${String(1000 + i)}`,
				variant: i % 2 === 0 ? "A" : "B",
			})),
		},
	);
	await api(`/messages/events`, key, {
		events: links.slice(0, 38).map((l) => ({ campaignId: campaign.id, phone: l.phone, status: "delivered" })),
	});
	const a = links.filter((l) => l.variant === "A");
	const b = links.filter((l) => l.variant === "B");
	const clickIds = await Promise.all([
		...a.slice(0, 8).map((l, i) => tap(l.shortUrl, i % 2 ? ANDROID_UA : IPHONE_UA)),
		...b.slice(0, 3).map((l) => tap(l.shortUrl, IPHONE_UA)),
	]);
	await Promise.all(links.slice(10, 15).map((l) => tap(l.shortUrl, WHATSAPP_UA)));
	await eventually(
		"the taps reaching the stats",
		() => api<Stats>(`/campaigns/${campaign.id}/stats`, key),
		(s) => s.clicks.total === 16,
	);
	for (const [i, tlid] of [clickIds[0], clickIds[1], clickIds[8]].entries()) {
		await api("/conversions", key, { orderId: `browser-${i}`, value: 30 + 10 * i, currency: "USD", tlid });
	}
	const stats = await eventually(
		"the purchases and deliveries reaching the stats",
		() => api<Stats>(`/campaigns/${campaign.id}/stats`, key),
		(s) => s.purchases.purchasers === 3 && s.messages.delivered === 38,
	);
	return { key, campaignId: campaign.id, stats };
}

async function funnelOn(page: Page): Promise<Funnel> {
	const steps = await page.$$eval("[data-testid=funnel] [data-step]", (groups) =>
		Object.fromEntries(groups.map((g) => [g.getAttribute("data-step"), Number(g.getAttribute("data-value"))])),
	);
	return { sent: steps.sent, delivered: steps.delivered, tapped: steps.tapped, purchasers: steps.purchased };
}

let browser: Browser;
let seeded: Awaited<ReturnType<typeof seedCampaign>>;

beforeAll(async () => {
	await mkdir(SHOTS, { recursive: true });
	[browser, seeded] = await Promise.all([launchChromium(), seedCampaign()]);
});

afterAll(async () => {
	await browser?.close();
});

describe("the dashboard in Chromium", () => {
	it("should sign in, show the API's funnel, switch variant, export CSV and sign out", async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (e) => errors.push(String(e)));

		await page.goto(`${workerUrl}/dashboard`);
		expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
		await page.getByLabel("API key").fill("tl_wrong");
		await page.getByRole("button", { name: "Sign in" }).click();
		await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
		await page.getByLabel("API key").fill(seeded.key);
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.waitForURL(`${workerUrl}/dashboard`);
		const cookies = await context.cookies();
		expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite])).toEqual([
			["__Host-tapline_session", true, true, "Lax"],
		]);
		await page.screenshot({ path: join(SHOTS, "campaigns.png"), fullPage: true });

		await page.getByRole("link", { name: "Browser Winter Sale" }).click();
		await page.waitForURL(`${workerUrl}/dashboard/campaigns/${seeded.campaignId}`);
		const { stats } = seeded;
		expect(await funnelOn(page)).toEqual({
			sent: stats.messages.sent,
			delivered: stats.messages.delivered,
			tapped: stats.messages.tapped,
			purchasers: stats.purchases.purchasers,
		});
		expect(await funnelOn(page)).toEqual({ sent: 38, delivered: 38, tapped: 11, purchasers: 3 });
		expect(await page.getByTestId("bot-taps").textContent()).toBe("5");
		expect(await page.getByTestId("verdict-clicks").textContent()).toMatch(/click-through/);
		await page.screenshot({ path: join(SHOTS, "campaign.png"), fullPage: true });

		await page.getByRole("link", { name: "Variant B" }).click();
		await page.waitForURL(/variant=B$/);
		const b = stats.byVariant.find((v) => v.variant === "B");
		expect(await funnelOn(page)).toEqual({
			sent: b?.messages.sent,
			delivered: b?.messages.delivered,
			tapped: b?.messages.tapped,
			purchasers: b?.purchases.purchasers,
		});
		expect(await page.getByRole("link", { name: "Variant B" }).getAttribute("aria-current")).toBe("page");
		await page.screenshot({ path: join(SHOTS, "campaign-variant-b.png"), fullPage: true });

		const [download] = await Promise.all([
			page.waitForEvent("download"),
			page.getByRole("link", { name: "Recipients CSV" }).click(),
		]);
		const csv = await readFile((await download.path()) ?? "", "utf8");
		const lines = csv.trim().split("\n");
		expect(lines[0]).toMatch(/^code,shortUrl,phone/);
		expect(lines).toHaveLength(41);

		await page.getByRole("button", { name: "Sign out" }).click();
		await page.waitForURL(/\/dashboard\/sign-in$/);
		await page.goto(`${workerUrl}/dashboard/campaigns/${seeded.campaignId}`);
		expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in");
		expect(errors).toEqual([]);
		await context.close();
	});

	it("should fit a phone's screen and label its charts", async () => {
		const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
		const page = await context.newPage();
		await page.goto(`${workerUrl}/dashboard/sign-in`);
		await page.getByLabel("API key").fill(seeded.key);
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.waitForURL(`${workerUrl}/dashboard`);
		for (const path of [`/dashboard/campaigns/${seeded.campaignId}`, "/dashboard/journey", "/dashboard"]) {
			await page.goto(`${workerUrl}${path}`);
			// Wide tables scroll inside their card; the page itself never scrolls sideways.
			expect(await page.evaluate("document.documentElement.scrollWidth"), path).toBeLessThanOrEqual(375);
			const unlabelled = await page.$$eval("svg[role=img]:not([aria-label]), img:not([alt])", (els) => els.length);
			expect(unlabelled, path).toBe(0);
		}
		await page.goto(`${workerUrl}/dashboard/campaigns/${seeded.campaignId}`);
		await page.screenshot({ path: join(SHOTS, "campaign-phone.png"), fullPage: true });
		await context.close();
	});
});
