import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import worker from "../../src/index";
import type { PurchaseEnvelope } from "../../src/purchases/purchase-event";
import {
	call,
	deliver,
	hmacOf,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	requestCapturing,
	tapCapturing,
} from "../support/helpers";
import { capturingQueue } from "../support/queues";

const DAY = 86_400_000;

async function shop(variants: string[] = ["A"]) {
	const { key, id: workspaceId } = await newWorkspace();
	const campaignId = await newCampaign(key, { stage: "purchase" });
	const links = await mint(
		key,
		campaignId,
		variants.map((variant, i) => ({ phone: `+1415555${String(2000 + i)}`, variant, externalId: `cust-${i}` })),
	);
	return { key, workspaceId, campaignId, links };
}

/** A real tap through the redirect and the consumer; returns its click id. */
async function tap(code: string, at?: number): Promise<string> {
	const { response, sent } = await tapCapturing(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } });
	const message = sent[0] as TapsEnvelope;
	if (at !== undefined) for (const t of message.taps) t.at = at;
	await deliver([message]);
	return new URL(response.headers.get("location") ?? "").searchParams.get("tlid") ?? "";
}

/** Reports a purchase through an API route and delivers what it queued to the consumer. */
async function report(path: string, init: RequestInit & { key?: string; json?: unknown }) {
	const headers = new Headers(init.headers);
	if (init.key) headers.set("authorization", `Bearer ${init.key}`);
	if (init.json !== undefined) headers.set("content-type", "application/json");
	const { response, sent } = await requestCapturing(path, {
		method: init.method ?? "POST",
		headers,
		body: init.json === undefined ? init.body : JSON.stringify(init.json),
	});
	const result = sent.length > 0 ? await deliver(sent, 3) : null;
	return { response, sent, result };
}

async function stats(key: string, campaignId: string) {
	const res = await call(`/api/v1/campaigns/${campaignId}/stats`, { key });
	return (await res.json()) as {
		purchases: {
			attributionWindowDays: number;
			purchasers: number;
			orders: number;
			revenue: Record<string, number>;
			conversionRate: number | null;
			byWindow: { days: number; orders: number; revenue: Record<string, number> }[];
		};
		byVariant: { variant: string; purchases: { orders: number; purchasers: number } }[];
	};
}

async function purchaseRow(workspaceId: string, orderId: string) {
	return env.DB.prepare("SELECT * FROM purchases WHERE workspace_id = ? AND order_id = ?")
		.bind(workspaceId, orderId)
		.first<Record<string, unknown>>();
}

async function stageOf(contactId: string) {
	return env.DB.prepare("SELECT stage FROM contacts WHERE id = ?").bind(contactId).first<string | null>("stage");
}

let batches = 0;

/** Delivers bodies to the consumer as one batch with a queue that records what the consumer sends back to it. */
async function deliverCapturing(bodies: unknown[], attempts = 1) {
	const events = capturingQueue<PurchaseEnvelope>();
	const batch = createMessageBatch<unknown>(
		"tapline-events",
		bodies.map((body, i) => ({ id: `w${++batches}-${i}`, timestamp: new Date(), attempts, body })),
	);
	const ctx = createExecutionContext();
	await (worker as ExportedHandler<Env, unknown>).queue?.(batch, { ...env, EVENTS: events }, ctx);
	return { result: await getQueueResult(batch, ctx), requeued: events.sent };
}

const hmac = (secret: string, body: string) => hmacOf(secret, body, "SHA-256", "base64");

describe("POST /api/v1/conversions", () => {
	it("should attribute a purchase carrying a tlid to that click, and count it in the campaign funnel", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		const { response, result } = await report("/api/v1/conversions", {
			key,
			json: { orderId: "1001", value: 49.9, currency: "usd", tlid },
		});
		expect(response.status).toBe(202);
		expect(result?.explicitAcks).toHaveLength(1);
		expect(await purchaseRow(workspaceId, "1001")).toMatchObject({
			source: "api",
			value_minor: 4990,
			currency: "USD",
			click_id: tlid,
			campaign_id: campaignId,
			attributed_by: "click_id",
			verified: 1,
		});
		const s = await stats(key, campaignId);
		expect(s.purchases).toMatchObject({ purchasers: 1, orders: 1, revenue: { USD: 49.9 }, conversionRate: 1 });
		expect(s.byVariant[0]?.purchases).toMatchObject({ orders: 1, purchasers: 1 });
	});

	it("should attribute a purchase by phone to the contact's last human tap, under each window its delay fits", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const now = Date.now();
		await tap(links[0]?.code ?? "", now - 3 * DAY);
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "A-1", value: 20, currency: "EUR", phone: "+1 415 555 2000", at: now },
		});
		expect(await purchaseRow(workspaceId, "A-1")).toMatchObject({
			attributed_by: "last_click",
			campaign_id: campaignId,
		});
		const s = await stats(key, campaignId);
		expect(s.purchases.attributionWindowDays).toBe(7);
		expect(s.purchases.orders).toBe(1);
		const none = { orders: 0, revenue: {} };
		const confirmed = { orders: 1, revenue: { EUR: 20 } };
		expect(s.purchases.byWindow).toEqual([
			{ days: 1, purchasers: 0, orders: 0, revenue: {}, confirmed: none, pixelOnly: none },
			{ days: 7, purchasers: 1, orders: 1, revenue: { EUR: 20 }, confirmed, pixelOnly: none },
			{ days: 30, purchasers: 1, orders: 1, revenue: { EUR: 20 }, confirmed, pixelOnly: none },
		]);

		// A workspace that looks at 1-day attribution sees no purchase for this campaign.
		const patched = await call("/api/v1/workspace", { method: "PATCH", key, json: { attributionWindowDays: 1 } });
		expect(patched.status).toBe(200);
		expect((await stats(key, campaignId)).purchases).toMatchObject({ attributionWindowDays: 1, orders: 0 });
	});

	it("should find the contact by externalId too", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		await tap(links[0]?.code ?? "");
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "X-1", value: 5, currency: "USD", externalId: "cust-0" },
		});
		expect(await purchaseRow(workspaceId, "X-1")).toMatchObject({
			campaign_id: campaignId,
			contact_id: links[0]?.contactId,
		});
	});

	it("should store a purchase with no matching click as unattributed, never drop it", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const now = Date.now();
		await tap(links[0]?.code ?? "", now - 120 * DAY);
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "old", value: 10, currency: "USD", phone: "+14155552000", at: now },
		});
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "nobody", value: 7.5, currency: "USD", phone: "+14155559999" },
		});
		expect(await purchaseRow(workspaceId, "old")).toMatchObject({ campaign_id: null, contact_id: links[0]?.contactId });
		expect(await purchaseRow(workspaceId, "nobody")).toMatchObject({
			campaign_id: null,
			contact_id: null,
			verified: 1,
		});
		expect((await stats(key, campaignId)).purchases.orders).toBe(0);
		const journey = await (await call("/api/v1/journey", { key })).json<{ unattributed: unknown }>();
		expect(journey.unattributed).toEqual({ orders: 2, revenue: { USD: 17.5 } });
	});

	it("should never double-count an order retried through the API", async () => {
		const { key, campaignId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		const body = { orderId: "R-1", value: 30, currency: "USD", tlid };
		await report("/api/v1/conversions", { key, json: body });
		await report("/api/v1/conversions", { key, json: body });
		await report("/api/v1/conversions", { key, json: { ...body, value: 999 } });
		expect((await stats(key, campaignId)).purchases).toMatchObject({ orders: 1, revenue: { USD: 30 } });
	});

	it.each([
		["no way to attribute", { orderId: "1", value: 1, currency: "USD" }],
		["an unknown currency", { orderId: "1", value: 1, currency: "ABC", phone: "+14155552671" }],
		["a negative value", { orderId: "1", value: -1, currency: "USD", phone: "+14155552671" }],
		["a value as a string", { orderId: "1", value: "10", currency: "USD", phone: "+14155552671" }],
		["a future date", { orderId: "1", value: 1, currency: "USD", phone: "+14155552671", at: Date.now() + DAY }],
		["a bad phone", { orderId: "1", value: 1, currency: "USD", phone: "12" }],
	])("should refuse %s with 422 and queue nothing", async (_, json) => {
		const { key } = await shop();
		const { response, sent } = await report("/api/v1/conversions", { key, json });
		expect(response.status).toBe(422);
		expect(await response.json()).toMatchObject({ error: { code: "validation_failed" } });
		expect(sent).toEqual([]);
	});
});

describe("the purchase pixel", () => {
	it("should always answer a 1x1 GIF with no-cache headers, whatever the input", async () => {
		const { workspaceId } = await shop();
		const good = `workspace=${workspaceId}&orderId=G-1&value=10&currency=USD`;
		const queries = [
			"",
			"?garbage",
			`?${good.replace("value=10", "value=abc")}`,
			`?${good.replace("value=10", "value=")}`,
			`?${good.replace("value=10", "value=-1")}`,
			`?${good.replace("value=10", "value=1e308")}`,
			`?${good.replace("currency=USD", "currency=ABC")}`,
			`?${good.replace("currency=USD", "")}`,
			`?${good.replace("orderId=G-1", "orderId=%00")}`,
			`?${good.replace("orderId=G-1", `orderId=${"x".repeat(200)}`)}`,
			`?${good.replace(workspaceId, "ws_x")}`,
		];
		for (const query of queries) {
			const { response, sent } = await requestCapturing(`/p.gif${query}`);
			expect(response.status).toBe(200);
			expect(response.headers.get("content-type")).toBe("image/gif");
			expect(response.headers.get("cache-control")).toContain("no-store");
			expect(new Uint8Array(await response.arrayBuffer()).slice(0, 6)).toEqual(new TextEncoder().encode("GIF89a"));
			expect(sent).toEqual([]);
		}
	});

	it("should refuse values above the pixel's bound", async () => {
		const { workspaceId } = await shop();
		const { sent } = await requestCapturing(`/p.gif?workspace=${workspaceId}&orderId=1&value=100001&currency=USD`);
		expect(sent).toEqual([]);
	});

	it("should queue at most 60 hits a minute from one client for one workspace", async () => {
		const { workspaceId } = await shop();
		const queued = await inOneRateLimitWindow(async (attempt) => {
			let count = 0;
			for (let i = 0; i < 70; i++) {
				const { response, sent } = await requestCapturing(
					`/p.gif?workspace=${workspaceId}&orderId=RL-${attempt}-${i}&value=1&currency=USD`,
					{ headers: { "cf-connecting-ip": `203.0.113.${7 + 10 * attempt}` } },
				);
				expect(response.status).toBe(200);
				count += sent.length;
			}
			return count;
		});
		expect(queued).toBe(60);
		const { sent } = await requestCapturing(`/p.gif?workspace=${workspaceId}&orderId=RL-x&value=1&currency=USD`, {
			headers: { "cf-connecting-ip": "203.0.113.8" },
		});
		expect(sent).toHaveLength(1);
	});

	it("should store nothing for an unknown workspace", async () => {
		const { sent, result } = await report("/p.gif?workspace=ws_AAAAAAAAAAAAAAAA&orderId=9&value=5&currency=USD", {
			method: "GET",
		});
		expect(sent).toHaveLength(1);
		expect(result?.explicitAcks).toHaveLength(1);
		expect(await purchaseRow("ws_AAAAAAAAAAAAAAAA", "9")).toBeNull();
	});

	it("should count a pixel purchase with a real click id, and let it move the contact's journey", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		expect(await stageOf(links[0]?.contactId ?? "")).toBe("consideration");
		await report(`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=P-1&value=12.5&currency=USD`, { method: "GET" });
		expect(await purchaseRow(workspaceId, "P-1")).toMatchObject({
			source: "pixel",
			verified: 1,
			campaign_id: campaignId,
		});
		expect(await stageOf(links[0]?.contactId ?? "")).toBe("purchase");
		expect((await stats(key, campaignId)).purchases.orders).toBe(1);
	});

	it("should keep a pixel purchase whose click id is not a click of the workspace, unverified and unattributed", async () => {
		const { workspaceId, links } = await shop();
		const other = await shop();
		const tlidOfOther = await tap(other.links[0]?.code ?? "");
		await report(`/p.gif?workspace=${workspaceId}&tlid=${tlidOfOther}&orderId=P-2&value=5&currency=USD`, {
			method: "GET",
		});
		expect(await purchaseRow(workspaceId, "P-2")).toMatchObject({ source: "pixel", verified: 0, campaign_id: null });
		expect(await stageOf(links[0]?.contactId ?? "")).toBeNull();
	});

	it("should wait for a click that is still on its way a bounded number of times before giving up on the tlid", async () => {
		const { workspaceId } = await shop();
		let { sent } = await requestCapturing(
			`/p.gif?workspace=${workspaceId}&tlid=NotStoredYet0000Xyz1&orderId=P-3&value=5&currency=USD`,
		);
		for (let wait = 1; wait <= 3; wait++) {
			const { result, requeued } = await deliverCapturing(sent, 1);
			// Acked and sent again, delayed: the wait is counted in the message, not in the queue's attempts.
			expect(result.retryMessages).toEqual([]);
			expect(result.explicitAcks).toHaveLength(1);
			expect(requeued).toHaveLength(1);
			expect(requeued[0]?.delaySeconds).toBe(30);
			expect(requeued[0]?.body.purchase.clickWaits).toBe(wait);
			expect(await purchaseRow(workspaceId, "P-3")).toBeNull();
			sent = requeued.map((r) => r.body);
		}
		const last = await deliverCapturing(sent, 1);
		expect(last.requeued).toEqual([]);
		expect(await purchaseRow(workspaceId, "P-3")).toMatchObject({ verified: 0, campaign_id: null });
	});

	it("should leave every queue retry to write failures while a purchase waits for its click", async () => {
		const { workspaceId, links } = await shop();
		const tapped = await tapCapturing(`/${links[0]?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		const tlid = new URL(tapped.response.headers.get("location") ?? "").searchParams.get("tlid");
		const { sent } = await requestCapturing(
			`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=P-4&value=5&currency=USD`,
		);
		// Waiting twice for the click spends no attempt: each wait is a fresh message on its first attempt.
		let bodies: unknown[] = sent;
		for (let wait = 0; wait < 2; wait++) {
			const { result, requeued } = await deliverCapturing(bodies, 1);
			expect(result.retryMessages).toEqual([]);
			bodies = requeued.map((r) => r.body);
		}
		// The click arrives; the database then fails four times: the purchase still has its retries (max_retries 5)
		// and is written, credited to the click, on the next delivery.
		await deliver(tapped.sent);
		const broken = {
			...env.DB,
			batch: () => Promise.reject(new Error("D1 overloaded")),
			prepare: env.DB.prepare.bind(env.DB),
		} as unknown as D1Database;
		for (let attempt = 1; attempt <= 4; attempt++) {
			const failed = await deliver(bodies, attempt, broken);
			expect(failed.retryMessages).toHaveLength(1);
		}
		const written = await deliver(bodies, 5);
		expect(written.explicitAcks).toHaveLength(1);
		expect(await purchaseRow(workspaceId, "P-4")).toMatchObject({ verified: 1, attributed_by: "click_id" });
	});
});

let shops = 0;

/**
 * Runs `hits` (a burst of requests) inside one rate-limit window. The limiter's windows are aligned to the wall
 * clock's minutes, so a burst that straddles a boundary is counted in two; it is then run again, from a client
 * (and with order ids) that `attempt` makes fresh.
 */
async function inOneRateLimitWindow(hits: (attempt: number) => Promise<number>): Promise<number> {
	for (let attempt = 0; ; attempt++) {
		const window = Math.floor(Date.now() / 60_000);
		const count = await hits(attempt);
		if (Math.floor(Date.now() / 60_000) === window || attempt >= 2) return count;
	}
}

/** Connects a workspace to its own Shopify shop; returns the secret, the shop domain and the webhook URL. */
async function connect(key: string) {
	shops += 1;
	const secret = `shpss_secret_${shops}_${crypto.randomUUID()}`;
	const shopDomain = `shop-${shops}.myshopify.com`;
	const res = await call("/api/v1/integrations/shopify", { method: "PUT", key, json: { secret, shopDomain } });
	expect(res.status).toBe(200);
	const { webhookUrl } = (await res.json<{ integration: { webhookUrl: string } }>()).integration;
	return { secret, shopDomain, webhookUrl };
}

async function webhook(
	workspaceId: string,
	shop: { secret: string; shopDomain: string },
	body: string,
	headers: Record<string, string> = {},
) {
	return report(`/api/v1/webhooks/shopify/${workspaceId}/orders`, {
		headers: {
			"content-type": "application/json",
			"x-shopify-topic": "orders/create",
			"x-shopify-shop-domain": shop.shopDomain,
			"x-shopify-hmac-sha256": await hmac(shop.secret, body),
			...headers,
		},
		body,
	});
}

describe("Shopify orders", () => {
	function order(overrides: Record<string, unknown> = {}) {
		return {
			id: 820982911946154500,
			name: "#1001",
			created_at: new Date().toISOString(),
			total_price: "79.00",
			currency: "USD",
			phone: null,
			landing_site: "/products/shoes?utm_source=sms",
			note_attributes: [],
			customer: { phone: null },
			billing_address: { phone: null, country_code: "US" },
			...overrides,
		};
	}

	it("should verify the signature, find the tlid in the landing site, and count the order", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const store = await connect(key);
		expect(store.webhookUrl).toBe(`https://tapline.test/api/v1/webhooks/shopify/${workspaceId}/orders`);
		const tlid = await tap(links[0]?.code ?? "");
		const body = JSON.stringify(order({ landing_site: `/products/shoes?utm_source=sms&tlid=${tlid}` }));
		const { response } = await webhook(workspaceId, store, body, { "x-shopify-webhook-id": "wh-1" });
		expect(response.status).toBe(200);
		expect(await purchaseRow(workspaceId, "820982911946154500")).toMatchObject({
			source: "shopify",
			value_minor: 7900,
			click_id: tlid,
			campaign_id: campaignId,
		});
	});

	it("should find the tlid in note attributes, else match the customer's phone", async () => {
		const { key, workspaceId, campaignId, links } = await shop(["A", "B"]);
		const store = await connect(key);
		const tlid = await tap(links[0]?.code ?? "");
		await tap(links[1]?.code ?? "");
		await webhook(
			workspaceId,
			store,
			JSON.stringify(order({ id: 1, note_attributes: [{ name: "tlid", value: tlid }] })),
		);
		await webhook(workspaceId, store, JSON.stringify(order({ id: 2, customer: { phone: "(415) 555-2001" } })));
		expect(await purchaseRow(workspaceId, "1")).toMatchObject({ attributed_by: "click_id", variant: "A" });
		expect(await purchaseRow(workspaceId, "2")).toMatchObject({ attributed_by: "last_click", variant: "B" });
		const s = await stats(key, campaignId);
		expect(s.byVariant.map((v) => [v.variant, v.purchases.orders])).toEqual([
			["A", 1],
			["B", 1],
		]);
	});

	it("should answer 401 and store nothing for a tampered body, a wrong secret or no signature", async () => {
		const { key, workspaceId } = await shop();
		const store = await connect(key);
		const body = JSON.stringify(order({ id: 3 }));
		const signature = await hmac(store.secret, body);
		const cases: { body: string; headers: Record<string, string> }[] = [
			{ body: body.replace("79.00", "7.00"), headers: { "x-shopify-hmac-sha256": signature } },
			{ body, headers: { "x-shopify-hmac-sha256": await hmac("another-secret", body) } },
			{ body, headers: { "x-shopify-hmac-sha256": "not base64!" } },
			{ body, headers: { "x-shopify-hmac-sha256": "" } },
			{ body, headers: { "x-shopify-shop-domain": "someone-else.myshopify.com" } },
		];
		for (const c of cases) {
			const { response, sent } = await webhook(workspaceId, store, c.body, c.headers);
			expect(response.status).toBe(401);
			expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
			expect(sent).toEqual([]);
		}
		expect(await purchaseRow(workspaceId, "3")).toBeNull();
	});

	it("should answer 401 for a workspace that has not connected Shopify", async () => {
		const { workspaceId } = await shop();
		const { response } = await webhook(workspaceId, { secret: "guess", shopDomain: "x.myshopify.com" }, "{}");
		expect(response.status).toBe(401);
	});

	it("should process a redelivered webhook once", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const store = await connect(key);
		const tlid = await tap(links[0]?.code ?? "");
		const body = JSON.stringify(order({ id: 4, landing_site: `/?tlid=${tlid}` }));
		await webhook(workspaceId, store, body, { "x-shopify-webhook-id": "wh-4" });
		const again = await webhook(workspaceId, store, body, { "x-shopify-webhook-id": "wh-4" });
		expect(again.result?.explicitAcks).toHaveLength(1);
		expect((await stats(key, campaignId)).purchases.orders).toBe(1);
	});
});

describe("one order reported three ways", () => {
	it("should count once, with the trusted report's value replacing the pixel's", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		await connect(key);
		const tlid = await tap(links[0]?.code ?? "");
		// The pixel fires first, from the order page, with a value the browser could have altered.
		await report(`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=5005&value=1.00&currency=USD`, {
			method: "GET",
		});
		await report("/api/v1/conversions", { key, json: { orderId: "5005", value: 55, currency: "USD", tlid } });
		const body = JSON.stringify({ id: 5005, total_price: "55.00", currency: "USD", landing_site: `/?tlid=${tlid}` });
		await report(`/api/v1/webhooks/shopify/${workspaceId}/orders`, {
			headers: {
				"x-shopify-hmac-sha256": await hmac("shpss_test_secret_123", body),
				"x-shopify-topic": "orders/create",
			},
			body,
		});
		expect(await purchaseRow(workspaceId, "5005")).toMatchObject({ source: "api", value_minor: 5500 });
		expect((await stats(key, campaignId)).purchases).toMatchObject({ orders: 1, purchasers: 1, revenue: { USD: 55 } });
	});
});

describe("journey stages", () => {
	it("should move a contact forward with each purchase, never back", async () => {
		const { key, links } = await shop();
		const contactId = links[0]?.contactId ?? "";
		expect(await stageOf(contactId)).toBeNull();
		const tlid = await tap(links[0]?.code ?? "");
		expect(await stageOf(contactId)).toBe("consideration");
		await report("/api/v1/conversions", { key, json: { orderId: "J-1", value: 1, currency: "USD", tlid } });
		expect(await stageOf(contactId)).toBe("purchase");
		await report("/api/v1/conversions", { key, json: { orderId: "J-2", value: 1, currency: "USD", contactId } });
		expect(await stageOf(contactId)).toBe("retention");
		await tap(links[0]?.code ?? "");
		expect(await stageOf(contactId)).toBe("retention");
	});

	it("should group campaigns, clicks and purchases by stage for the workspace", async () => {
		const { key, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		await report("/api/v1/conversions", { key, json: { orderId: "J-3", value: 10, currency: "USD", tlid } });
		const res = await call("/api/v1/journey", { key });
		expect(res.status).toBe(200);
		const journey = await res.json<{ stages: { stage: string }[] }>();
		expect(journey.stages.map((s) => s.stage)).toEqual(["awareness", "consideration", "purchase", "retention"]);
		expect(journey.stages[2]).toMatchObject({
			stage: "purchase",
			campaigns: 1,
			links: 1,
			clicks: { human: 1, uniqueHumans: 1 },
			purchasers: 1,
			orders: 1,
			revenue: { USD: 10 },
			contacts: 1,
		});
	});
});

describe("attribution when reports disagree", () => {
	it("should keep a carried click over a later last-tap match, and move the order between campaigns", async () => {
		const { key, id: workspaceId } = await newWorkspace();
		const x = await newCampaign(key, { name: "X" });
		const y = await newCampaign(key, { name: "Y" });
		const [inX] = await mint(key, x, [{ phone: "+14155553000" }]);
		const [inY] = await mint(key, y, [{ phone: "+14155553000" }]);
		const tlidX = await tap(inX?.code ?? "", Date.now() - 2 * DAY);
		await tap(inY?.code ?? "", Date.now() - DAY);

		// The server reports the order by phone first: the last tap was in campaign Y.
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "M-1", value: 20, currency: "USD", phone: "+14155553000" },
		});
		expect(await purchaseRow(workspaceId, "M-1")).toMatchObject({ campaign_id: y, attributed_by: "last_click" });
		expect((await stats(key, y)).purchases.orders).toBe(1);

		// The unsigned pixel naming another click cannot move an order the server reported.
		const tlidY2 = await tap(inY?.code ?? "");
		await report(`/p.gif?workspace=${workspaceId}&tlid=${tlidY2}&orderId=M-1&value=1&currency=USD`, { method: "GET" });
		expect(await purchaseRow(workspaceId, "M-1")).toMatchObject({ campaign_id: y, attributed_by: "last_click" });

		// Then the server brings the click id of the tap in X: the order belongs to that click.
		await report("/api/v1/conversions", { key, json: { orderId: "M-1", value: 1, currency: "USD", tlid: tlidX } });
		expect(await purchaseRow(workspaceId, "M-1")).toMatchObject({
			campaign_id: x,
			attributed_by: "click_id",
			source: "api",
			value_minor: 2000,
			contact_id: inX?.contactId,
		});
		expect((await stats(key, x)).purchases.orders).toBe(1);
		expect((await stats(key, y)).purchases.orders).toBe(0);

		// A later last-tap report cannot take it back.
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "M-1", value: 20, currency: "USD", phone: "+14155553000" },
		});
		expect(await purchaseRow(workspaceId, "M-1")).toMatchObject({ campaign_id: x, attributed_by: "click_id" });
	});

	it("should credit at most three pixel orders to one click", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		for (let i = 1; i <= 4; i++) {
			await report(`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=C-${i}&value=10&currency=USD`, {
				method: "GET",
			});
		}
		const funnel = (await stats(key, campaignId)).purchases;
		expect(funnel).toMatchObject({ orders: 3, bySource: { pixel: { orders: 3 } } });
		expect(await purchaseRow(workspaceId, "C-4")).toMatchObject({ verified: 0, campaign_id: null });
	});

	it("should apply that cap to pixel orders that arrive in one batch too", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		const sent: unknown[] = [];
		for (let i = 1; i <= 5; i++) {
			const hit = await requestCapturing(
				`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=B-${i}&value=10&currency=USD`,
			);
			sent.push(...hit.sent);
		}
		await deliver(sent, 3);
		expect((await stats(key, campaignId)).purchases.orders).toBe(3);
	});

	it("should not credit a click of another workspace, nor wait for it", async () => {
		const { key, workspaceId } = await shop();
		const other = await shop();
		const tlidOfOther = await tap(other.links[0]?.code ?? "");
		const { sent } = await requestCapturing("/api/v1/conversions", {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify({ orderId: "W-1", value: 5, currency: "USD", tlid: tlidOfOther }),
		});
		const result = await deliver(sent, 1);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await purchaseRow(workspaceId, "W-1")).toMatchObject({ campaign_id: null, click_id: null });
	});

	it("should attribute a purchase whose tap reached the queue after it", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const tapped = await tapCapturing(`/${links[0]?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		const tlid = new URL(tapped.response.headers.get("location") ?? "").searchParams.get("tlid");
		const { sent } = await requestCapturing(
			`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=L-1&value=9&currency=USD`,
		);
		const waited = await deliverCapturing(sent, 1);
		expect(waited.requeued).toHaveLength(1);
		await deliver(tapped.sent);
		expect((await deliver(waited.requeued.map((r) => r.body))).explicitAcks).toHaveLength(1);
		expect(await purchaseRow(workspaceId, "L-1")).toMatchObject({ campaign_id: campaignId, verified: 1 });
		expect((await stats(key, campaignId)).purchases.orders).toBe(1);
	});

	it("should round money on its decimal digits and refuse dates given in seconds", async () => {
		const { key, workspaceId, links } = await shop();
		const tlid = await tap(links[0]?.code ?? "");
		await report("/api/v1/conversions", { key, json: { orderId: "D-1", value: 1.005, currency: "USD", tlid } });
		expect(await purchaseRow(workspaceId, "D-1")).toMatchObject({ value_minor: 101 });
		const { response } = await report("/api/v1/conversions", {
			key,
			json: { orderId: "D-2", value: 1, currency: "USD", tlid, at: Math.floor(Date.now() / 1000) },
		});
		expect(response.status).toBe(422);
		expect(await response.text()).toContain("seconds");
	});
});

describe("the pixel's guards across workspaces", () => {
	it("should limit one client however many workspace ids it rotates through", async () => {
		const queued = await inOneRateLimitWindow(async (attempt) => {
			let count = 0;
			for (let i = 0; i < 320; i++) {
				const workspace = `ws_${String(attempt * 1000 + i).padStart(16, "0")}`;
				const { sent } = await requestCapturing(`/p.gif?workspace=${workspace}&orderId=1&value=1&currency=USD`, {
					headers: { "cf-connecting-ip": `198.51.100.${9 + attempt}` },
				});
				count += sent.length;
			}
			return count;
		});
		expect(queued).toBe(300);
	});
});

describe("Shopify connections", () => {
	it("should refuse a secret that another workspace already uses", async () => {
		const a = await shop();
		const b = await shop();
		const store = await connect(a.key);
		const res = await call("/api/v1/integrations/shopify", {
			method: "PUT",
			key: b.key,
			json: { secret: store.secret, shopDomain: "other.myshopify.com" },
		});
		expect(res.status).toBe(409);
		expect(await res.json()).toMatchObject({ error: { code: "conflict" } });
		const body = JSON.stringify({ id: 77, total_price: "5.00", currency: "USD" });
		expect((await webhook(b.workspaceId, store, body)).response.status).toBe(401);
	});

	it("should answer 200 but store nothing for test, cancelled and unusable orders, and non-JSON bodies", async () => {
		const { key, workspaceId } = await shop();
		const store = await connect(key);
		const bodies = [
			JSON.stringify({ id: 81, total_price: "5.00", currency: "USD", test: true }),
			JSON.stringify({ id: 82, total_price: "5.00", currency: "USD", cancelled_at: "2026-11-27T10:00:00Z" }),
			JSON.stringify({ id: 83, currency: "USD" }),
			"{not json",
		];
		for (const body of bodies) {
			const { response, sent } = await webhook(workspaceId, store, body);
			expect(response.status).toBe(200);
			expect(await response.json()).toMatchObject({ ignored: true });
			expect(sent).toEqual([]);
		}
	});
});

describe("the journey report", () => {
	it("should show purchases attributed to taps older than the window, and keep workspaces apart", async () => {
		const { key, links } = await shop();
		const now = Date.now();
		await tap(links[0]?.code ?? "", now - 20 * DAY);
		await report("/api/v1/conversions", {
			key,
			json: { orderId: "O-1", value: 12, currency: "USD", phone: "+14155552000", at: now },
		});
		const journey = await (await call("/api/v1/journey", { key })).json<Record<string, unknown>>();
		expect(journey.outsideWindow).toEqual({ orders: 1, revenue: { USD: 12 } });
		expect(journey.unattributed).toEqual({ orders: 0, revenue: {} });

		const other = await newWorkspace("Elsewhere");
		const theirs = await (await call("/api/v1/journey", { key: other.key })).json<Record<string, unknown>>();
		expect(theirs.outsideWindow).toEqual({ orders: 0, revenue: {} });
		expect(JSON.stringify(theirs.stages)).not.toContain('"orders":1');
	});
});
