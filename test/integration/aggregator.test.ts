import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PENDING_ROW_READS } from "../../src/clicks/queries";
import type { TapEvent, TapsEnvelope } from "../../src/clicks/tap-event";
import worker from "../../src/index";

const handlers: ExportedHandler<Env, unknown> = worker;

import {
	ANDROID_CHROME,
	call,
	IMESSAGE_PREVIEW,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	WHATSAPP,
} from "../support/helpers";

let sequence = 0;

async function setup(variants: (string | undefined)[] = ["A"]) {
	const { key, id: workspaceId } = await newWorkspace();
	const campaignId = await newCampaign(key);
	const links = await mint(
		key,
		campaignId,
		variants.map((variant, i) => ({ phone: `+1415555${String(1000 + i)}`, ...(variant ? { variant } : {}) })),
	);
	const tap = (i: number, overrides: Partial<TapEvent> = {}): TapEvent => {
		const link = links[i];
		if (!link) throw new Error("no such link");
		sequence += 1;
		return {
			id: `click${String(sequence).padStart(12, "0")}${Math.random().toString(36).slice(2, 8)}`,
			at: Date.UTC(2026, 10, 27, 12, 0, 0) + sequence,
			code: link.code,
			workspaceId,
			campaignId,
			contactId: link.contactId,
			variant: link.variant,
			method: "GET",
			userAgent: IPHONE_SAFARI,
			prefetch: null,
			referer: null,
			country: "US",
			region: "California",
			city: "San Francisco",
			colo: "SJC",
			...overrides,
		};
	};
	return { key, campaignId, links, tap };
}

function batchOf(taps: TapEvent[][], attempts = 1) {
	return createMessageBatch<TapsEnvelope>(
		"tapline-events",
		taps.map((group, i) => ({
			id: `msg-${sequence}-${i}-${Math.random()}`,
			timestamp: new Date(),
			attempts,
			body: { v: 1, type: "taps", taps: group },
		})),
	);
}

async function consume(batch: MessageBatch<unknown>, database: D1Database = env.DB) {
	const ctx = createExecutionContext();
	await handlers.queue?.(batch, { ...env, DB: database }, ctx);
	return getQueueResult(batch, ctx);
}

async function stats(key: string, campaignId: string) {
	const res = await call(`/api/v1/campaigns/${campaignId}/stats`, { key });
	expect(res.status).toBe(200);
	return res.json<Record<string, unknown> & { clicks: Record<string, number> }>();
}

describe("the click aggregator", () => {
	it("should store taps, count humans and bots apart, and ack every message", async () => {
		const { key, campaignId, tap } = await setup(["A", "B"]);
		const batch = batchOf([
			[tap(0), tap(0, { userAgent: ANDROID_CHROME })],
			[tap(0, { userAgent: IMESSAGE_PREVIEW })],
			[
				tap(1, { userAgent: WHATSAPP }),
				tap(1, { method: "HEAD" }),
				tap(1, { prefetch: { "sec-purpose": "prefetch" } }),
			],
		]);
		const result = await consume(batch);
		expect(result.explicitAcks).toHaveLength(3);
		expect(result.retryMessages).toEqual([]);

		const s = await stats(key, campaignId);
		expect(s.links).toBe(2);
		expect(s.clicks).toEqual({ total: 6, human: 2, bot: 4, uniqueHumans: 1 });
		expect(s.byReason).toEqual({ preview: 2, head: 1, prefetch: 1 });
		expect(s.byVariant).toEqual([
			expect.objectContaining({ variant: "A", links: 1, total: 3, human: 2, uniqueHumans: 1, clickThroughRate: 1 }),
			expect.objectContaining({ variant: "B", links: 1, total: 3, human: 0, uniqueHumans: 0, clickThroughRate: 0 }),
		]);
		expect(s.byDay).toEqual([expect.objectContaining({ value: "2026-11-27", total: 6, human: 2 })]);
		expect(s.byDevice).toContainEqual(expect.objectContaining({ value: "mobile", human: 2 }));
		expect(s.byOs).toContainEqual(expect.objectContaining({ value: "iOS", human: 1 }));
		expect(s.byOs).toContainEqual(expect.objectContaining({ value: "Android", human: 1 }));
		expect(s.byBrowser).toContainEqual(expect.objectContaining({ value: "Mobile Safari", human: 1 }));
		expect(s.byBrowser).toContainEqual(expect.objectContaining({ value: "Chrome", human: 1 }));
		expect(s.byCountry).toContainEqual(expect.objectContaining({ value: "US", total: 6, human: 2 }));
	});

	it("should not change any count when the same batch is delivered twice", async () => {
		const { key, campaignId, links, tap } = await setup();
		const taps = [[tap(0)], [tap(0, { userAgent: WHATSAPP })]];
		await consume(batchOf(taps));
		const once = await stats(key, campaignId);
		const again = await consume(batchOf(taps, 2));
		expect(again.explicitAcks).toHaveLength(2);
		expect(await stats(key, campaignId)).toEqual(once);
		expect(once.clicks).toEqual({ total: 2, human: 1, bot: 1, uniqueHumans: 1 });

		const link = await call(`/api/v1/links/${links[0]?.code}`, { key });
		expect((await link.json<{ link: { clicks: unknown } }>()).link.clicks).toEqual({
			total: 2,
			human: 1,
			bot: 1,
			uniqueHumans: 1,
		});
	});

	it("should roll back a batch that fails part-way and count its retry exactly once", async () => {
		const { key, campaignId, tap } = await setup(["A", "B"]);
		const taps = [[tap(0)], [tap(1)], [tap(1, { userAgent: ANDROID_CHROME })]];
		// Fails the fourth statement of the batch, after the clicks were inserted and marked.
		await env.DB.exec(
			`CREATE TRIGGER fail_links_update BEFORE UPDATE OF clicks ON links WHEN NEW.campaign_id = '${campaignId}' BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`,
		);
		const failed = await consume(batchOf(taps));
		await env.DB.exec("DROP TRIGGER fail_links_update");
		expect(failed.explicitAcks).toEqual([]);
		expect(failed.retryMessages).toHaveLength(3);
		expect((await stats(key, campaignId)).clicks).toEqual({ total: 0, human: 0, bot: 0, uniqueHumans: 0 });
		const stored = await env.DB.prepare("SELECT count(*) AS n FROM clicks WHERE campaign_id = ?")
			.bind(campaignId)
			.first("n");
		expect(stored).toBe(0);

		// The retry carries one message that an earlier, successful delivery already wrote.
		await consume(batchOf([taps[0] as TapEvent[]]));
		const retried = await consume(batchOf(taps, 2));
		expect(retried.explicitAcks).toHaveLength(3);
		expect((await stats(key, campaignId)).clicks).toEqual({ total: 3, human: 3, bot: 0, uniqueHumans: 2 });
	});

	it("should retry a first failure later, and write a repeatedly failing message alone", async () => {
		const { key, campaignId, tap } = await setup(["A", "B"]);
		const failing = new Proxy(env.DB, {
			get(target, prop) {
				if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: overloaded"));
				const value = Reflect.get(target, prop);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		const first = await consume(batchOf([[tap(0)], [tap(1)]]), failing);
		expect(first.retryMessages).toHaveLength(2);

		// Second attempt: one message is fine, the other can never be written.
		const unwritable = tap(1);
		await env.DB.exec(
			`CREATE TRIGGER refuse_click BEFORE INSERT ON clicks WHEN NEW.id = '${unwritable.id}' BEGIN SELECT RAISE(ABORT, 'refused'); END`,
		);
		const second = await consume(batchOf([[tap(0)], [unwritable]], 2));
		await env.DB.exec("DROP TRIGGER refuse_click");
		expect(second.explicitAcks).toHaveLength(1);
		expect(second.retryMessages).toHaveLength(1);
		expect((await stats(key, campaignId)).clicks.total).toBe(1);
	});

	it("should send a poison message to the dead-letter queue and still write the others", async () => {
		const { key, campaignId, tap } = await setup();
		const batch = createMessageBatch<unknown>("tapline-events", [
			{ id: "good", timestamp: new Date(), attempts: 1, body: { v: 1, type: "taps", taps: [tap(0)] } },
			{ id: "poison", timestamp: new Date(), attempts: 1, body: { v: 99, type: "taps", hello: "world" } },
			{ id: "garbage", timestamp: new Date(), attempts: 1, body: "not even an object" },
		]);
		const result = await consume(batch);
		expect(result.explicitAcks.sort()).toEqual(["garbage", "good", "poison"]);
		expect((await stats(key, campaignId)).clicks.total).toBe(1);
	});

	it("should count a recipient as one unique human however often and in whatever order they tap", async () => {
		const { key, campaignId, links, tap } = await setup();
		const late = tap(0);
		const early = tap(0, { at: late.at - 3_600_000 });
		await consume(batchOf([[tap(0, { userAgent: WHATSAPP })]]));
		await consume(batchOf([[late, tap(0)], [tap(0)]]));
		await consume(batchOf([[early]]));
		const s = await stats(key, campaignId);
		expect(s.clicks).toEqual({ total: 5, human: 4, bot: 1, uniqueHumans: 1 });
		expect(s.clickThroughRate).toBe(1);
		const link = await (await call(`/api/v1/links/${links[0]?.code}`, { key })).json<{
			link: Record<string, unknown>;
		}>();
		expect(link.link.firstHumanClickAt).toBe(early.at);
	});

	it("should not count taps made on a link after it was deleted", async () => {
		const { key, campaignId, links, tap } = await setup();
		const before = tap(0, { at: Date.now() - 60_000 });
		await call(`/api/v1/links/${links[0]?.code}`, { key, method: "DELETE" });
		const after = tap(0, { at: Date.now() + 1_000 });
		const result = await consume(batchOf([[before], [after]]));
		expect(result.explicitAcks).toHaveLength(2);
		expect((await stats(key, campaignId)).clicks.total).toBe(1);
	});

	it("should read only the pending rows, through the partial index, whatever the size of the table", async () => {
		for (const [name, sql] of Object.entries(PENDING_ROW_READS)) {
			const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).all<{ detail: string }>();
			const details = plan.results.map((r) => r.detail).join("\n");
			expect(details, name).toMatch(/clicks_uncounted/);
			expect(details, name).not.toMatch(/SCAN c(licks)?\b(?! USING (COVERING )?INDEX clicks_uncounted)/);
		}
	});

	it("should keep one workspace's stats from another", async () => {
		const { campaignId } = await setup();
		const other = await newWorkspace("Other");
		expect((await call(`/api/v1/campaigns/${campaignId}/stats`, { key: other.key })).status).toBe(404);
	});
});

describe("the pipeline end to end", () => {
	it("should carry a real tap through the queue into the stats", async () => {
		const { key, campaignId, links } = await setup();
		const res = await call(`/${links[0]?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		expect(res.status).toBe(302);
		const tlid = new URL(res.headers.get("location") ?? "").searchParams.get("tlid");

		let human = 0;
		for (let i = 0; i < 100 && human === 0; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			human = (await stats(key, campaignId)).clicks.human ?? 0;
		}
		expect(human).toBe(1);
		const row = await env.DB.prepare("SELECT human, os, browser FROM clicks WHERE id = ?").bind(tlid).first();
		expect(row).toEqual({ human: 1, os: "iOS", browser: "Mobile Safari" });
	});
});
