// The site snippet in a real browser: headless Chromium loads the shop's pages, which load /t.js from the Worker
// under `wrangler dev` (see global-setup.ts). Snippet tests answer /p.gif themselves so they can read every pixel
// request; the end-to-end test lets the pixel reach the Worker and waits for the purchase to show up in the stats.
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { SNIPPET_JS } from "../../src/purchases/snippet";
import { launchChromium } from "../support/e2e/chromium";

const workerUrl = inject("workerUrl");
const shopUrl = inject("shopUrl");
const adminToken = inject("adminToken");

// Headless Chrome's own user agent is classified as a bot; a tap has to come from a phone to count as a person's.
const IPHONE_UA =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
const DAY_MS = 86_400_000;
const WAIT_MS = 5_000;

let browser: Browser;
const sessions: Session[] = [];

beforeAll(async () => {
	browser = await launchChromium();
});

afterEach(async () => {
	const open = sessions.splice(0);
	await Promise.all(open.map((session) => session.context.close()));
	// Whatever a test checked, the snippet must never have thrown into a page.
	expect(open.flatMap((session) => session.pageErrors)).toEqual([]);
});

afterAll(async () => {
	await browser?.close();
});

interface Session {
	context: BrowserContext;
	page: Page;
	pageErrors: string[];
	/** Pixel requests the page made, in order. */
	pixels: URL[];
}

/**
 * A fresh browser profile on a blank page. Unless `realPixel` is set, /p.gif is answered here with a GIF, so the
 * snippet tests neither depend on nor write to the Worker's purchases.
 */
async function openBrowser(options: { userAgent?: string; realPixel?: boolean; initScript?: string } = {}) {
	const context = await browser.newContext({ userAgent: options.userAgent });
	context.setDefaultTimeout(WAIT_MS);
	context.setDefaultNavigationTimeout(15_000);
	if (options.initScript) await context.addInitScript(options.initScript);
	const page = await context.newPage();
	const session: Session = { context, page, pageErrors: [], pixels: [] };
	sessions.push(session);
	page.on("pageerror", (error) => session.pageErrors.push(`${error.name}: ${error.message}`));
	page.on("request", (request) => {
		if (isPixel(request)) session.pixels.push(new URL(request.url()));
	});
	if (!options.realPixel) {
		await context.route(`${workerUrl}/p.gif?*`, (route) =>
			route.fulfill({ status: 200, contentType: "image/gif", headers: { "cache-control": "no-store" }, body: GIF }),
		);
	}
	return session;
}

function isPixel(request: Request): boolean {
	return request.url().startsWith(`${workerUrl}/p.gif?`);
}

/** Opens a shop page and waits until the snippet (not just the queueing stub) is in charge of `tapline`. */
async function visit(page: Page, path: string): Promise<void> {
	const response = await page.goto(`${shopUrl}${path}`);
	expect(response?.status()).toBe(200);
	await page.waitForFunction("window.tapline && window.tapline.l === 1");
}

/** Runs `script` in the page and returns the first pixel request it causes. */
async function firePixel(page: Page, script: string): Promise<URL> {
	const [request] = await Promise.all([page.waitForRequest(isPixel), page.evaluate(script)]);
	return new URL(request.url());
}

function tlid(): string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	return Array.from({ length: 20 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
}

function pixelParams(url: URL): Record<string, string> {
	const { r, ...rest } = Object.fromEntries(url.searchParams);
	// The cache buster is random; that it is there is all that matters.
	expect(r).toMatch(/^[0-9a-z]+$/);
	return rest;
}

const PURCHASE = "tapline('purchase', { orderId: '1001', value: 49.9, currency: 'USD' })";

async function storedTlid(session: Session) {
	const cookie = (await session.context.cookies(shopUrl)).find((c) => c.name === "_tlid");
	const raw = await session.page.evaluate("localStorage.getItem('tapline_tlid')");
	const stored = typeof raw === "string" ? (JSON.parse(raw) as { v: string; exp: number }) : null;
	return { cookie, stored };
}

describe("site snippet", () => {
	it("should be served at /t.js as JavaScript", async () => {
		const res = await fetch(`${workerUrl}/t.js`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
		expect(await res.text()).toBe(SNIPPET_JS);
	});

	it("should stay tiny, at the size its source states", async () => {
		const raw = Buffer.byteLength(SNIPPET_JS);
		const gzipped = gzipSync(SNIPPET_JS).length;
		expect(raw).toBeLessThan(1_500);
		const source = await readFile(new URL("../../src/purchases/snippet.ts", import.meta.url), "utf8");
		expect(source).toContain(`${raw} bytes raw, ${gzipped} bytes gzipped`);
	});

	it("should keep the tlid from the landing URL in a cookie and in localStorage for 90 days", async () => {
		const session = await openBrowser();
		const id = tlid();
		await visit(session.page, `/landing?utm_source=sms&tlid=${id}`);

		const { cookie, stored } = await storedTlid(session);
		const now = Date.now();
		expect(cookie).toMatchObject({ value: id, path: "/", sameSite: "Lax", secure: false, httpOnly: false });
		expect((cookie?.expires ?? 0) * 1000).toBeGreaterThan(now + 90 * DAY_MS - 60_000);
		expect((cookie?.expires ?? 0) * 1000).toBeLessThan(now + 90 * DAY_MS + 60_000);
		expect(stored?.v).toBe(id);
		expect(stored?.exp).toBeGreaterThan(now + 90 * DAY_MS - 60_000);
		expect(stored?.exp).toBeLessThan(now + 90 * DAY_MS + 60_000);
	});

	it("should keep the tlid for data-days days", async () => {
		const session = await openBrowser();
		await visit(session.page, `/landing?days=7&tlid=${tlid()}`);

		const { cookie, stored } = await storedTlid(session);
		const now = Date.now();
		expect((cookie?.expires ?? 0) * 1000).toBeGreaterThan(now + 7 * DAY_MS - 60_000);
		expect((cookie?.expires ?? 0) * 1000).toBeLessThan(now + 7 * DAY_MS + 60_000);
		expect(stored?.exp).toBeLessThan(now + 7 * DAY_MS + 60_000);
	});

	it("should send the stored tlid with a purchase on an order page without one", async () => {
		const session = await openBrowser();
		const id = tlid();
		await visit(session.page, `/landing?ws=ws_acme&tlid=${id}`);
		await visit(session.page, "/order?ws=ws_acme");

		const pixel = await firePixel(session.page, PURCHASE);
		expect(pixel.origin).toBe(workerUrl);
		expect(pixel.pathname).toBe("/p.gif");
		expect(pixelParams(pixel)).toEqual({
			workspace: "ws_acme",
			tlid: id,
			orderId: "1001",
			value: "49.9",
			currency: "USD",
		});
		expect(session.pixels).toHaveLength(1);
	});

	it("should fall back to localStorage when the cookie is gone", async () => {
		const session = await openBrowser();
		const id = tlid();
		await visit(session.page, `/landing?tlid=${id}`);
		await session.context.clearCookies();
		await visit(session.page, "/order");

		const pixel = await firePixel(session.page, PURCHASE);
		expect(pixel.searchParams.get("tlid")).toBe(id);
	});

	it("should ignore a tlid whose time in localStorage is up", async () => {
		const session = await openBrowser();
		await visit(session.page, `/landing?tlid=${tlid()}`);
		await session.context.clearCookies();
		await session.page.evaluate(
			"localStorage.setItem('tapline_tlid', JSON.stringify({ v: 'expired0000000000000', exp: Date.now() - 1 }))",
		);
		await visit(session.page, "/order");

		const pixel = await firePixel(session.page, PURCHASE);
		expect(pixel.searchParams.has("tlid")).toBe(false);
		expect(pixelParams(pixel)).toMatchObject({ orderId: "1001", value: "49.9", currency: "USD" });
	});

	it("should let a newer tlid in the URL replace the stored one", async () => {
		const session = await openBrowser();
		const [first, second] = [tlid(), tlid()];
		await visit(session.page, `/landing?tlid=${first}`);
		await visit(session.page, `/order?tlid=${second}`);

		const pixel = await firePixel(session.page, PURCHASE);
		expect(pixel.searchParams.get("tlid")).toBe(second);
		const { cookie, stored } = await storedTlid(session);
		expect(cookie?.value).toBe(second);
		expect(stored?.v).toBe(second);
	});

	it("should neither store nor send a malformed tlid", async () => {
		for (const bad of ["short", "x".repeat(65), "abc%3Cscript%3E12345", "has%20space123456"]) {
			const session = await openBrowser();
			await visit(session.page, `/order?tlid=${bad}`);

			const pixel = await firePixel(session.page, PURCHASE);
			expect(pixel.searchParams.has("tlid"), bad).toBe(false);
			expect(await storedTlid(session), bad).toEqual({ cookie: undefined, stored: null });
		}
	});

	it("should replay the calls queued before it loaded", async () => {
		const session = await openBrowser();
		const id = tlid();
		const pixel = session.page.waitForRequest(isPixel);
		await visit(session.page, `/queued?ws=ws_acme&tlid=${id}`);

		// The page queued three garbage calls and one purchase (value as a string, currency in lower case).
		expect(pixelParams(new URL((await pixel).url()))).toEqual({
			workspace: "ws_acme",
			tlid: id,
			orderId: "q-1",
			value: "12.5",
			currency: "EUR",
		});
		expect(session.pixels).toHaveLength(1);
	});

	it("should ignore garbage calls without throwing", async () => {
		const session = await openBrowser();
		await visit(session.page, `/order?tlid=${tlid()}`);

		const thrown = await session.page.evaluate(`(() => {
			const calls = [
				() => tapline(),
				() => tapline("purchase", null),
				() => tapline("nope"),
				() => tapline("purchase"),
				() => tapline("purchase", "1001"),
				() => tapline("PURCHASE", { orderId: "1001", value: 1, currency: "USD" }),
				() => tapline("purchase", { orderId: "", value: 1, currency: "USD" }),
				() => tapline("purchase", { orderId: {}, value: 1, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: -1, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: NaN, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: Infinity, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: "1e3", currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: null, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: 1, currency: "DOLLARS" }),
				() => tapline("purchase", { orderId: "1001", value: 1 }),
				() => tapline("purchase", { get orderId() { throw new Error("boom"); }, value: 1, currency: "USD" }),
				() => tapline("purchase", { orderId: "1001", value: 1, currency: { toString() { throw new Error("boom"); } } }),
			];
			const thrown = [];
			for (const call of calls) {
				try { call(); } catch (error) { thrown.push(String(error)); }
			}
			return thrown;
		})()`);
		expect(thrown).toEqual([]);

		// Requests go out in the order the calls were made, so only this one may be recorded.
		const pixel = await firePixel(session.page, "tapline('purchase', { orderId: 1002, value: '10', currency: 'usd' })");
		expect(pixelParams(pixel)).toMatchObject({ orderId: "1002", value: "10", currency: "USD" });
		expect(session.pixels).toHaveLength(1);
	});

	it("should still send the tlid from the page URL when cookies and localStorage throw", async () => {
		const session = await openBrowser({
			// As some privacy settings and Safari's private mode do; set before any script on the page runs.
			initScript: `
				Object.defineProperty(Document.prototype, "cookie", {
					configurable: true,
					get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
					set(value) { throw new DOMException("The operation is insecure.", "SecurityError"); },
				});
				Object.defineProperty(window, "localStorage", {
					configurable: true,
					get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
				});
			`,
		});
		const id = tlid();
		await visit(session.page, `/blocked?ws=ws_acme&tlid=${id}`);
		expect(await session.page.evaluate("window.storageProbe")).toEqual({ cookie: "throws", localStorage: "throws" });

		const pixel = await firePixel(session.page, PURCHASE);
		expect(pixelParams(pixel)).toEqual({
			workspace: "ws_acme",
			tlid: id,
			orderId: "1001",
			value: "49.9",
			currency: "USD",
		});
	});
});

describe("purchase pixel through the Worker", () => {
	async function api<T>(path: string, key: string, body?: unknown): Promise<T> {
		const res = await fetch(`${workerUrl}/api/v1${path}`, {
			method: body === undefined ? "GET" : "POST",
			headers: {
				authorization: `Bearer ${key}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(WAIT_MS),
		});
		const text = await res.text();
		expect(res.ok, `${path}: ${res.status} ${text}`).toBe(true);
		return JSON.parse(text) as T;
	}

	it("should count a purchase made after a tap in the campaign's stats", async () => {
		const { workspace, apiKey } = await api<{ workspace: { id: string }; apiKey: string }>("/workspaces", adminToken, {
			name: "Browser shop",
		});
		const { campaign } = await api<{ campaign: { id: string } }>("/campaigns", apiKey, {
			name: "Checkout nudge",
			stage: "purchase",
			destinationUrl: `${shopUrl}/landing?ws=${workspace.id}`,
		});
		const { links } = await api<{ links: Array<{ shortUrl: string }> }>(`/campaigns/${campaign.id}/links`, apiKey, {
			recipients: [{ phone: "+14155552671" }],
		});
		const shortUrl = links[0]?.shortUrl ?? "";
		expect(shortUrl.startsWith(`${workerUrl}/`)).toBe(true);

		const session = await openBrowser({ userAgent: IPHONE_UA, realPixel: true });
		const landing = await session.page.goto(shortUrl);
		expect(landing?.status()).toBe(200);
		const landed = new URL(session.page.url());
		expect(`${landed.origin}${landed.pathname}`).toBe(`${shopUrl}/landing`);
		const id = landed.searchParams.get("tlid");
		expect(id).toMatch(/^[0-9A-Za-z]{20}$/);
		await session.page.waitForFunction("window.tapline && window.tapline.l === 1");

		await visit(session.page, `/order?ws=${workspace.id}`);
		const [pixel] = await Promise.all([session.page.waitForRequest(isPixel), session.page.evaluate(PURCHASE)]);
		expect(new URL(pixel.url()).searchParams.get("tlid")).toBe(id);
		// null when the request failed (Chromium blocks a cross-origin "image" that is not one).
		const response = await pixel.response();
		expect(response?.status()).toBe(200);
		expect(response?.headers()["content-type"]).toMatch(/^image\/gif/);

		// The pixel only enqueues; the local queue delivers within its 2-second batch timeout.
		interface Stats {
			purchases?: { orders: number; purchasers: number; revenue: Record<string, number> };
		}
		const deadline = Date.now() + 20_000;
		let stats: Stats = {};
		while (Date.now() < deadline) {
			stats = await api<Stats>(`/campaigns/${campaign.id}/stats`, apiKey);
			if (stats.purchases?.orders === 1) break;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		expect(stats.purchases).toMatchObject({ orders: 1, purchasers: 1 });
		expect(stats.purchases?.revenue).toEqual({ USD: 49.9 });
	});

	it("should answer a garbage pixel request with a GIF", async () => {
		const res = await fetch(`${workerUrl}/p.gif?garbage`, { signal: AbortSignal.timeout(WAIT_MS) });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^image\/gif/);
		expect(new Uint8Array(await res.arrayBuffer()).slice(0, 6)).toEqual(new Uint8Array(Buffer.from("GIF89a")));
	});
});
