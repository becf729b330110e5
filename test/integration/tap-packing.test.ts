import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { MAX_TAPS } from "../../src/clicks/send";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import { call, deliver, IPHONE_SAFARI, mint, newCampaign, newWorkspace } from "../support/helpers";
import { capturingQueue } from "../support/queues";

/** Taps `codes` concurrently, as separate requests of one isolate sharing one queue binding. */
async function tapAll(
	queue: Queue,
	codes: string[],
	headers: Record<string, string> = { "user-agent": IPHONE_SAFARI },
) {
	return Promise.all(
		codes.map(async (code) => {
			const ctx = createExecutionContext();
			const response = await app.fetch(
				new Request(`https://tapline.test/${code}`, { redirect: "manual", headers }),
				{ ...env, EVENTS: queue },
				ctx,
			);
			await waitOnExecutionContext(ctx);
			expect(response.status).toBe(302);
			return new URL(response.headers.get("location") ?? "").searchParams.get("tlid");
		}),
	);
}

async function links(count: number) {
	const { key } = await newWorkspace();
	const campaignId = await newCampaign(key);
	const recipients = Array.from({ length: count }, (_, i) => ({ phone: `+1415555${String(1000 + i)}` }));
	return { key, campaignId, codes: (await mint(key, campaignId, recipients)).map((l) => l.code) };
}

const tapIds = (messages: TapsEnvelope[]) => messages.flatMap((m) => m.taps.map((t) => t.id));

describe("tap packing", () => {
	it("should send many concurrent taps in one message, each tap exactly once", async () => {
		const { codes } = await links(30);
		const queue = capturingQueue<TapsEnvelope>();
		const clickIds = await tapAll(queue, codes);
		expect(queue.bodies()).toHaveLength(1);
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should split a burst into messages of at most MAX_TAPS taps, losing none", async () => {
		const { codes } = await links(40);
		const burst = Array.from({ length: MAX_TAPS * 2 + 10 }, (_, i) => codes[i % codes.length] as string);
		const queue = capturingQueue<TapsEnvelope>();
		const clickIds = await tapAll(queue, burst);
		expect(queue.bodies().length).toBeGreaterThanOrEqual(3);
		expect(queue.bodies().length).toBeLessThan(burst.length / 10);
		for (const message of queue.bodies()) expect(message.taps.length).toBeLessThanOrEqual(MAX_TAPS);
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should keep every message under the queue's 128 KB limit, whatever the user agents", async () => {
		const { codes } = await links(40);
		const queue = capturingQueue<TapsEnvelope>();
		// Quotes and backslashes: JSON writes each as two bytes.
		const long = '"\\'.repeat(512);
		// A browser's user agent with the junk after it, so that each tap is a person's and carries its tlid.
		const clickIds = await tapAll(queue, codes, {
			"user-agent": `${IPHONE_SAFARI} ${long}`,
			referer: `https://x.example/${long}`,
		});
		expect(queue.bodies().length).toBeGreaterThan(1);
		for (const message of queue.bodies()) {
			expect(new TextEncoder().encode(JSON.stringify(message)).length).toBeLessThan(128 * 1024);
		}
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should retry a pack whose send fails, and lose no tap", async () => {
		const { codes } = await links(10);
		const queue = capturingQueue<TapsEnvelope>((n) => (n === 1 ? "fail" : null));
		const clickIds = await tapAll(queue, codes);
		expect(queue.calls()).toBe(2);
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should give up on a hung send and retry it", async () => {
		const { codes } = await links(5);
		const queue = capturingQueue<TapsEnvelope>((n) => (n === 1 ? "hang" : null));
		const clickIds = await tapAll(queue, codes);
		expect(queue.calls()).toBe(2);
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should have the pack's watcher send it when its sender's sends hang", async () => {
		const { codes } = await links(5);
		// The sender's three attempts hang (2 s each); the watcher stops waiting after FALLBACK_MS and sends the pack.
		const queue = capturingQueue<TapsEnvelope>((n) => (n <= 3 ? "hang" : null));
		const clickIds = await tapAll(queue, codes);
		expect(queue.bodies()).toHaveLength(1);
		expect(tapIds(queue.bodies()).sort()).toEqual([...clickIds].sort());
	});

	it("should still redirect every tap when the queue keeps refusing", async () => {
		const { codes } = await links(5);
		const queue = capturingQueue<TapsEnvelope>(() => "fail");
		await tapAll(queue, codes);
		expect(queue.bodies()).toHaveLength(0);
		expect(queue.calls()).toBe(3);
	});

	it("should count the taps of a packed message once, however often it is delivered", async () => {
		const { key, campaignId, codes } = await links(12);
		const queue = capturingQueue<TapsEnvelope>();
		await tapAll(queue, codes);
		await deliver(queue.bodies());
		await deliver(queue.bodies(), 2);
		const res = await call(`/api/v1/campaigns/${campaignId}/stats`, { key });
		const stats = await res.json<{ clicks: { total: number; human: number } }>();
		expect(stats.clicks).toMatchObject({ total: 12, human: 12 });
	});

	it("should carry concurrent real requests through the real queue, each counted once", async () => {
		const { key, campaignId, codes } = await links(20);
		const responses = await Promise.all(
			codes.map((code) => call(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } })),
		);
		for (const res of responses) expect(res.status).toBe(302);
		let total = 0;
		for (let i = 0; i < 100 && total < codes.length; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			const res = await call(`/api/v1/campaigns/${campaignId}/stats`, { key });
			total = (await res.json<{ clicks: { total: number } }>()).clicks.total;
		}
		expect(total).toBe(codes.length);
	});
});
