import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import worker from "../../src/index";
import type { DeliveryEnvelope } from "../../src/outbound-webhooks/events";
import { countsAsPurchase } from "../../src/purchases/attribution-sql";
import {
	ANDROID_CHROME,
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
import { capturingQueue } from "../support/queues";

// An attacker holds one short link (their own SMS) and the workspace's public id (it is in the shop's snippet), and
// tries to mint campaign revenue through the unsigned pixel.

const DAY = 86_400_000;
const receiverUrl = inject("receiverUrl");

async function shop(contacts = 1) {
	const { key, id: workspaceId } = await newWorkspace();
	const campaignId = await newCampaign(key, { stage: "purchase" });
	const links = await mint(
		key,
		campaignId,
		Array.from({ length: contacts }, (_, i) => ({ phone: `+1415556${String(1000 + i)}` })),
	);
	return { key, workspaceId, campaignId, links };
}

/** A tap through the redirect, written by the consumer; answers the Location's tlid and the click id minted. */
async function tap(code: string, init: RequestInit = { headers: { "user-agent": IPHONE_SAFARI } }, at?: number) {
	const { response, sent } = await tapCapturing(`/${code}`, init);
	const message = sent[0] as TapsEnvelope;
	if (at !== undefined) for (const t of message.taps) t.at = at;
	await deliver([message]);
	const location = response.headers.get("location");
	return {
		location,
		tlid: location === null ? null : new URL(location).searchParams.get("tlid"),
		clickId: message.taps[0]?.id ?? "",
	};
}

let sequence = 0;

/** Runs bodies through the events consumer with `overrides` on the env; answers the webhook deliveries emitted. */
async function consume(bodies: unknown[], overrides: Partial<Env> = {}) {
	const webhooks = capturingQueue<DeliveryEnvelope>();
	const batch = createMessageBatch<unknown>(
		"tapline-events",
		bodies.map((body) => ({ id: `fr-${++sequence}`, timestamp: new Date(), attempts: 1, body })),
	);
	const ctx = createExecutionContext();
	await (worker as ExportedHandler<Env, unknown>).queue?.(batch, { ...env, WEBHOOKS: webhooks, ...overrides }, ctx);
	await getQueueResult(batch, ctx);
	return webhooks.bodies();
}

async function pixel(query: string, headers: Record<string, string> = {}) {
	const { sent } = await requestCapturing(`/p.gif?${query}`, { headers });
	return sent;
}

async function conversion(key: string, json: unknown) {
	const { response, sent } = await requestCapturing("/api/v1/conversions", {
		method: "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: JSON.stringify(json),
	});
	expect(response.status).toBe(202);
	return sent;
}

interface Money {
	orders: number;
	revenue: Record<string, number>;
}

async function funnel(key: string, campaignId: string) {
	const res = await call(`/api/v1/campaigns/${campaignId}/stats`, { key });
	expect(res.status).toBe(200);
	return (
		(await res.json()) as {
			purchases: Money & {
				confirmed: Money;
				pixelOnly: Money;
				byWindow: (Money & { days: number; confirmed: Money; pixelOnly: Money })[];
			};
		}
	).purchases;
}

async function row(workspaceId: string, orderId: string) {
	return env.DB.prepare("SELECT * FROM purchases WHERE workspace_id = ? AND order_id = ?")
		.bind(workspaceId, orderId)
		.first<Record<string, unknown>>();
}

async function stageOf(contactId: string) {
	return env.DB.prepare("SELECT stage FROM contacts WHERE id = ?").bind(contactId).first<string | null>("stage");
}

describe("forged pixel revenue", () => {
	it("should give a HEAD request no tlid, and credit nothing to its click id even when it is known", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		// curl -I https://host/<code>: Hono answers HEAD with the GET handler.
		const head = await tap(links[0]?.code ?? "", { method: "HEAD", headers: { "user-agent": IPHONE_SAFARI } });
		expect(head.location).not.toBeNull();
		expect(head.tlid).toBeNull();
		expect(new URL(head.location ?? "").searchParams.get("utm_source")).toBe("sms");
		// Even were the click id to leak, it names a click stored as a bot: the pixel cannot credit it.
		await consume(await pixel(`workspace=${workspaceId}&tlid=${head.clickId}&orderId=H-1&value=99999&currency=USD`));
		expect(await row(workspaceId, "H-1")).toMatchObject({ verified: 0, campaign_id: null, attributed_by: null });
		expect((await funnel(key, campaignId)).orders).toBe(0);
		expect(await stageOf(links[0]?.contactId ?? "")).toBeNull();
	});

	it("should give bots, previews and clients without a user agent no tlid, and credit nothing to their clicks", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const bots = [
			"curl/8.5.0",
			IMESSAGE_PREVIEW,
			"WhatsApp/2.23.20.0 A",
			"Googlebot/2.1 (+http://www.google.com/bot.html)",
		];
		let order = 0;
		for (const ua of [...bots, null]) {
			const t = await tap(links[0]?.code ?? "", { headers: ua === null ? {} : { "user-agent": ua } });
			expect(t.tlid, String(ua)).toBeNull();
			await consume(
				await pixel(`workspace=${workspaceId}&tlid=${t.clickId}&orderId=B-${++order}&value=500&currency=USD`),
			);
		}
		expect((await funnel(key, campaignId)).orders).toBe(0);
		// The server API naming a bot's click cannot credit it either.
		const curl = await tap(links[0]?.code ?? "", { headers: { "user-agent": "curl/8.5.0" } });
		await consume(await conversion(key, { orderId: "B-api", value: 5, currency: "USD", tlid: curl.clickId }));
		expect(await row(workspaceId, "B-api")).toMatchObject({ campaign_id: null, attributed_by: null });
	});

	it("should credit one contact at most three pixel orders an hour, however many fresh tlids it mints", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		for (let i = 1; i <= 8; i++) {
			// A fresh human-looking tap per order: each has its own click id, under the per-click cap.
			const { tlid } = await tap(links[0]?.code ?? "", { headers: { "user-agent": ANDROID_CHROME } });
			expect(tlid).not.toBeNull();
			await consume(await pixel(`workspace=${workspaceId}&tlid=${tlid}&orderId=F-${i}&value=1000&currency=USD`));
		}
		const bought = await funnel(key, campaignId);
		expect(bought.orders).toBe(3);
		expect(bought.revenue).toEqual({ USD: 3000 });
		expect(bought.pixelOnly).toEqual({ orders: 3, revenue: { USD: 3000 } });
		expect(bought.confirmed).toEqual({ orders: 0, revenue: {} });
		expect(await row(workspaceId, "F-8")).toMatchObject({ source: "pixel", verified: 0, campaign_id: null });
	});

	it("should count a redelivered pixel order once against the contact's cap", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const { tlid } = await tap(links[0]?.code ?? "");
		const first = await pixel(`workspace=${workspaceId}&tlid=${tlid}&orderId=R-1&value=10&currency=USD`);
		for (let i = 0; i < 4; i++) await consume(first);
		for (const order of ["R-2", "R-3"]) {
			const { tlid: fresh } = await tap(links[0]?.code ?? "");
			await consume(await pixel(`workspace=${workspaceId}&tlid=${fresh}&orderId=${order}&value=10&currency=USD`));
		}
		expect((await funnel(key, campaignId)).orders).toBe(3);
	});

	it("should credit a workspace at most its hourly cap of pixel orders, across contacts", async () => {
		const { key, workspaceId, campaignId, links } = await shop(4);
		const hits: unknown[] = [];
		for (const [i, link] of links.entries()) {
			const { tlid } = await tap(link.code);
			hits.push(...(await pixel(`workspace=${workspaceId}&tlid=${tlid}&orderId=W-${i}&value=10&currency=USD`)));
		}
		await consume(hits.slice(0, 1), { PIXEL_ORDERS_PER_WORKSPACE_HOUR: "2" });
		await consume(hits.slice(1), { PIXEL_ORDERS_PER_WORKSPACE_HOUR: "2" });
		expect((await funnel(key, campaignId)).orders).toBe(2);
	});

	it("should limit an IPv6 client by its /64, however many of its addresses it rotates through", async () => {
		const { workspaceId } = await shop();
		const queued = await inOneRateLimitWindow(async (attempt) => {
			let count = 0;
			for (let i = 0; i < 70; i++) {
				const sent = await pixel(`workspace=${workspaceId}&orderId=V6-${attempt}-${i}&value=1&currency=USD`, {
					"cf-connecting-ip": `2001:db8:${attempt + 100}:7:${i.toString(16)}:${((i * 7919) % 65536).toString(16)}::1`,
				});
				count += sent.length;
			}
			return count;
		});
		expect(queued).toBe(60);
	});

	it("should bound pixel values by the currency's minor units, not by a number of major units", async () => {
		const { workspaceId } = await shop();
		const hit = (value: string, currency: string) =>
			pixel(`workspace=${workspaceId}&orderId=M-${currency}-${value}&value=${value}&currency=${currency}`, {
				"cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250)}`,
			});
		// 100,000 KWD is over $300,000: three decimals, so the bound is 10,000.000 KWD.
		expect(await hit("100000", "KWD")).toEqual([]);
		expect(await hit("10000", "KWD")).toHaveLength(1);
		// Yen have no decimals: ¥10,000,000 (about $65,000) is within the bound, one yen more is not.
		expect(await hit("10000000", "JPY")).toHaveLength(1);
		expect(await hit("10000001", "JPY")).toEqual([]);
		expect(await hit("100000", "USD")).toHaveLength(1);
		expect(await hit("100000.01", "USD")).toEqual([]);
	});
});

describe("a pixel order the server confirms", () => {
	it("should take the trusted report's value and attribution, and report the correction as a new event", async () => {
		const { key, id: workspaceId } = await newWorkspace();
		const endpoint = await call("/api/v1/webhook-endpoints", {
			method: "POST",
			key,
			json: { url: `${receiverUrl}/forged`, events: ["purchase.attributed"] },
		});
		expect(endpoint.status).toBe(201);
		const x = await newCampaign(key, { name: "X" });
		const y = await newCampaign(key, { name: "Y" });
		const [inX] = await mint(key, x, [{ phone: "+14155557000" }]);
		const [inY] = await mint(key, y, [{ phone: "+14155557001" }]);
		// The attacker's own tap in X; the buyer's in Y.
		const attacker = await tap(inX?.code ?? "");
		await tap(inY?.code ?? "");

		// The attacker squats the shop's next order id through the pixel, at the bound, with their own click.
		const squat = await consume(
			await pixel(`workspace=${workspaceId}&tlid=${attacker.tlid}&orderId=1042&value=100000&currency=USD`),
		);
		expect((await funnel(key, x)).pixelOnly.orders).toBe(1);
		// The shop's server then reports the real order 1042: another value and currency, the buyer's phone.
		const confirmed = await consume(
			await conversion(key, { orderId: "1042", value: 20, currency: "EUR", phone: "+14155557001" }),
		);
		expect(await row(workspaceId, "1042")).toMatchObject({
			source: "api",
			value_minor: 2000,
			currency: "EUR",
			campaign_id: y,
			contact_id: inY?.contactId,
			attributed_by: "last_click",
			verified: 1,
		});
		const inXNow = await funnel(key, x);
		expect(inXNow).toMatchObject({ orders: 0, revenue: {}, pixelOnly: { orders: 0 } });
		expect(await funnel(key, y)).toMatchObject({
			orders: 1,
			revenue: { EUR: 20 },
			confirmed: { orders: 1, revenue: { EUR: 20 } },
			pixelOnly: { orders: 0, revenue: {} },
		});
		// Two events with two ids: a receiver that drops ids it has seen still gets the correction.
		const ids = [...squat, ...confirmed].map((d) => d.event.id);
		expect(ids).toEqual([`purchase.attributed:1042:${x}:pixel`, `purchase.attributed:1042:${y}`]);
		expect(confirmed[0]?.event.data).toMatchObject({ value: 20, currency: "EUR", source: "api", campaignId: y });

		// A later pixel report of the order, with the attacker's click, changes nothing.
		await consume(await pixel(`workspace=${workspaceId}&tlid=${attacker.tlid}&orderId=1042&value=1&currency=USD`));
		expect(await row(workspaceId, "1042")).toMatchObject({ source: "api", value_minor: 2000, campaign_id: y });
	});
});

describe("which purchases count for follow-ups and journey stages", () => {
	it("should count a pixel purchase on a human tap by default, and only confirmed ones when the workspace says so", async () => {
		const { key, workspaceId, links } = await shop(2);
		const [a, b] = links;
		const { tlid: tlidA } = await tap(a?.code ?? "");
		await consume(await pixel(`workspace=${workspaceId}&tlid=${tlidA}&orderId=S-1&value=10&currency=USD`));
		expect(await stageOf(a?.contactId ?? "")).toBe("purchase");

		const res = await call("/api/v1/workspace", { method: "PATCH", key, json: { countedPurchases: "confirmed" } });
		expect(res.status).toBe(200);
		expect((await res.json<{ workspace: { countedPurchases: string } }>()).workspace.countedPurchases).toBe(
			"confirmed",
		);
		const bad = await call("/api/v1/workspace", { method: "PATCH", key, json: { countedPurchases: "pixel" } });
		expect(bad.status).toBe(422);

		const { tlid: tlidB } = await tap(b?.code ?? "");
		await consume(await pixel(`workspace=${workspaceId}&tlid=${tlidB}&orderId=S-2&value=10&currency=USD`));
		expect(await row(workspaceId, "S-2")).toMatchObject({ verified: 1, source: "pixel" });
		expect(await stageOf(b?.contactId ?? "")).toBe("consideration");
		const suppressed = await env.DB.prepare(
			`SELECT count(*) AS n FROM purchases p WHERE p.workspace_id = ? AND ${countsAsPurchase("p")}`,
		)
			.bind(workspaceId)
			.first<number>("n");
		expect(suppressed).toBe(0);
		// The shop's server confirms it: now it counts.
		await consume(await conversion(key, { orderId: "S-2", value: 10, currency: "USD", tlid: tlidB }));
		expect(await stageOf(b?.contactId ?? "")).toBe("purchase");
	});
});

describe("attribution windows for a purchase that carries its click id", () => {
	it("should count it only under the windows its delay fits", async () => {
		const { key, workspaceId, campaignId, links } = await shop();
		const { tlid } = await tap(links[0]?.code ?? "", undefined, Date.now() - 3 * DAY);
		await consume(await conversion(key, { orderId: "W-3d", value: 30, currency: "USD", tlid }));
		expect(await row(workspaceId, "W-3d")).toMatchObject({ campaign_id: campaignId, attributed_by: "click_id" });
		const byWindow = (await funnel(key, campaignId)).byWindow;
		expect(byWindow.find((w) => w.days === 1)).toMatchObject({ orders: 0, revenue: {} });
		expect(byWindow.find((w) => w.days === 7)).toMatchObject({ orders: 1, revenue: { USD: 30 } });
	});

	it("should not credit a click older than the longest window", async () => {
		const { key, workspaceId, links } = await shop();
		const { tlid } = await tap(links[0]?.code ?? "", undefined, Date.now() - 100 * DAY);
		await consume(await conversion(key, { orderId: "W-100d", value: 30, currency: "USD", tlid }));
		expect(await row(workspaceId, "W-100d")).toMatchObject({ campaign_id: null, attributed_by: null });
	});
});

/**
 * Runs `hits` inside one rate-limit window: the limiter's windows are aligned to the wall clock's minutes, so a
 * burst that straddles a boundary is run again from a fresh client.
 */
async function inOneRateLimitWindow(hits: (attempt: number) => Promise<number>): Promise<number> {
	for (let attempt = 0; ; attempt++) {
		const window = Math.floor(Date.now() / 60_000);
		const count = await hits(attempt);
		if (Math.floor(Date.now() / 60_000) === window || attempt >= 2) return count;
	}
}
