import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { app } from "../../src/app";
import worker from "../../src/index";
import { ADMIN_TOKEN, call, newWorkspace } from "../support/helpers";
import { capturingQueue, refusingQueue } from "../support/queues";

// Dead letters are kept where an operator can see them: each dead-letter queue's consumer writes its messages to
// D1, the API lists them (a workspace its own, the admin token all) and replays one to the queue it came from.

const handlers: ExportedHandler<Env, unknown> = worker;
const receiverUrl = inject("receiverUrl");

interface DeadLetterView {
	id: string;
	queue: string;
	workspaceId: string | null;
	reason: string;
	body: unknown;
	originalMessageId: string | null;
	receivedAt: number;
	replayedAt: number | null;
}

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** Runs messages through the Worker's queue handler as the named queue's batch. */
async function consume(queue: string, messages: { id: string; body: unknown }[], overrides: Partial<Env> = {}) {
	const batch = createMessageBatch<unknown>(
		queue,
		messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
	);
	const ctx = createExecutionContext();
	await handlers.queue?.(batch, { ...env, ...overrides }, ctx);
	return getQueueResult(batch, ctx);
}

async function list(key: string, path = "/api/v1/dead-letters", query = "?status=all&limit=100") {
	const res = await call(`${path}${query}`, { key });
	return { status: res.status, body: await res.json<{ deadLetters: DeadLetterView[]; nextCursor: string | null }>() };
}
const adminList = (query = "?status=all&limit=100") => list(ADMIN_TOKEN, "/api/v1/admin/dead-letters", query);
const ids = (letters: DeadLetterView[]) => letters.map((l) => l.id).sort();

/** Calls the app with some bindings replaced (a queue that records, or refuses). */
async function callWith(overrides: Partial<Env>, path: string, key: string, method = "POST") {
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`https://tapline.test${path}`, { method, headers: { authorization: `Bearer ${key}` } }),
		{ ...env, ...overrides },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return res;
}

const delivery = (workspaceId: string, endpointId = "whe_gone") => ({
	v: 1,
	type: "webhook",
	endpointId,
	event: { id: unique("evt"), type: "link.clicked", createdAt: "2026-11-27T10:00:00.000Z", workspaceId, data: {} },
});

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

describe("the dead-letter queues' consumers", () => {
	it("should store each message once by its id, with its reason, origin and the workspace it names", async () => {
		const a = await newWorkspace("A");
		const poisonId = unique("poison");
		const exhaustedId = unique("exhausted");
		const legacyId = unique("legacy");
		const messages = [
			// Poison, moved by the consumer with the reason: names no workspace.
			{
				id: poisonId,
				body: { v: 1, type: "dead_letter", reason: "bad", queue: "tapline-webhooks", id: "m1", body: { v: 2 } },
			},
			// Moved by Cloudflare after max_retries: the bare body.
			{ id: exhaustedId, body: delivery(a.id) },
			// As consumers moved poison before the envelope had a version.
			{ id: legacyId, body: { reason: "old", queue: "tapline-webhooks", id: "m2", body: delivery(a.id) } },
		];
		for (let i = 0; i < 2; i++) {
			const result = await consume("tapline-webhooks-dlq", messages);
			expect(result.explicitAcks.sort()).toEqual([poisonId, exhaustedId, legacyId].sort());
		}
		const stored = (await adminList()).body.deadLetters.filter((l) => [poisonId, exhaustedId, legacyId].includes(l.id));
		expect(stored).toHaveLength(3);
		const byId = new Map(stored.map((l) => [l.id, l]));
		expect(byId.get(poisonId)).toMatchObject({
			queue: "tapline-webhooks",
			workspaceId: null,
			reason: "bad",
			body: { v: 2 },
			originalMessageId: "m1",
			replayedAt: null,
		});
		expect(byId.get(exhaustedId)).toMatchObject({
			workspaceId: a.id,
			reason: expect.stringMatching(/retries exhausted/),
			body: messages[1]?.body,
			originalMessageId: null,
		});
		expect(byId.get(legacyId)).toMatchObject({ workspaceId: a.id, reason: "old", originalMessageId: "m2" });
	});

	it("should take each dead-letter queue's messages as its own queue's", async () => {
		const a = await newWorkspace("A");
		const events = unique("ev");
		const sends = unique("se");
		await consume("tapline-events-dlq", [{ id: events, body: { v: 1, type: "purchase", workspaceId: a.id } }]);
		await consume("tapline-sends-dlq", [{ id: sends, body: { v: 1, type: "send", messageId: "msg_x" } }]);
		const stored = (await adminList()).body.deadLetters;
		expect(stored.find((l) => l.id === events)).toMatchObject({ queue: "tapline-events", workspaceId: a.id });
		// A send message carries only its message id: no workspace, so the admin token alone sees it.
		expect(stored.find((l) => l.id === sends)).toMatchObject({ queue: "tapline-sends", workspaceId: null });
	});

	it("should retry a batch whose write fails, never ack it away", async () => {
		const broken = { prepare: env.DB.prepare.bind(env.DB), batch: () => Promise.reject(new Error("D1 down")) };
		const id = unique("retry");
		const result = await consume("tapline-events-dlq", [{ id, body: { v: 1 } }], {
			DB: broken as unknown as D1Database,
		});
		expect(result.explicitAcks).toEqual([]);
		expect(result.retryMessages.map((m) => m.msgId)).toEqual([id]);
	});

	it("should catch the poison of a real queue in D1: consumer, dead-letter queue, its consumer", async () => {
		const id = unique("live-poison");
		// The real WEBHOOKS_DEAD_LETTERS binding: the poison travels through the local dead-letter queue.
		await consume("tapline-webhooks", [{ id, body: { v: 99, type: "webhook" } }]);
		const stored = await until("the dead letter in D1", async () =>
			(await adminList()).body.deadLetters.find((l) => l.originalMessageId === id),
		);
		expect(stored).toMatchObject({ queue: "tapline-webhooks", body: { v: 99, type: "webhook" }, workspaceId: null });
	});
});

describe("the dead-letter API", () => {
	async function stored(workspaceId: string | null, queue = "tapline-webhooks-dlq", body: unknown = null) {
		const id = unique("dl");
		await consume(queue, [{ id, body: body ?? (workspaceId ? delivery(workspaceId) : { v: 7 }) }]);
		return id;
	}

	it("should show a workspace its own dead letters, and the admin token all of them and those naming none", async () => {
		const a = await newWorkspace("A");
		const b = await newWorkspace("B");
		const ofA = await stored(a.id);
		const ofB = await stored(b.id);
		const ofNone = await stored(null);
		expect(ids((await list(a.key)).body.deadLetters)).toEqual([ofA]);
		expect(ids((await list(b.key)).body.deadLetters)).toEqual([ofB]);
		const all = ids((await adminList()).body.deadLetters);
		for (const id of [ofA, ofB, ofNone]) expect(all).toContain(id);
		const none = ids((await adminList("?status=all&limit=100&workspaceId=none")).body.deadLetters);
		expect(none).toContain(ofNone);
		expect(none).not.toContain(ofA);
		expect(ids((await adminList(`?workspaceId=${a.id}`)).body.deadLetters)).toEqual([ofA]);

		// A workspace cannot reach another's, or one naming none, by its id either.
		expect((await callWith({}, `/api/v1/dead-letters/${ofB}/replay`, a.key)).status).toBe(404);
		expect((await callWith({}, `/api/v1/dead-letters/${ofNone}/replay`, a.key)).status).toBe(404);
		expect((await callWith({}, `/api/v1/dead-letters/${ofNone}`, a.key, "DELETE")).status).toBe(404);
		// Each door takes its own credential.
		expect((await list(a.key, "/api/v1/admin/dead-letters")).status).toBe(401);
		expect((await list(ADMIN_TOKEN, "/api/v1/dead-letters")).status).toBe(401);
		expect((await list(a.key, "/api/v1/dead-letters", "?status=lost")).status).toBe(400);
	});

	it("should page newest first", async () => {
		const a = await newWorkspace("A");
		const made = [await stored(a.id), await stored(a.id), await stored(a.id)];
		const seen: string[] = [];
		let query = "?limit=2";
		for (let page = 0; page < 3; page++) {
			const { body } = await list(a.key, "/api/v1/dead-letters", query);
			seen.push(...body.deadLetters.map((l) => l.id));
			if (!body.nextCursor) break;
			query = `?limit=2&cursor=${body.nextCursor}`;
		}
		expect(seen.sort()).toEqual([...made].sort());
		expect((await list(a.key, "/api/v1/dead-letters", "?cursor=nope")).status).toBe(400);
	});

	it("should replay a dead letter to the queue it came from, once, and mark it replayed", async () => {
		const a = await newWorkspace("A");
		const purchase = { v: 1, type: "purchase", workspaceId: a.id, orderId: unique("o") };
		const id = await stored(a.id, "tapline-events-dlq", purchase);
		const events = capturingQueue();
		const others = { SENDS: capturingQueue(), WEBHOOKS: capturingQueue() };
		const first = await callWith({ EVENTS: events, ...others }, `/api/v1/dead-letters/${id}/replay`, a.key);
		expect(first.status).toBe(200);
		expect(await first.json()).toMatchObject({ replayed: true, deadLetter: { id, replayedAt: expect.any(Number) } });
		expect(events.bodies()).toEqual([purchase]);
		const again = await callWith({ EVENTS: events, ...others }, `/api/v1/dead-letters/${id}/replay`, a.key);
		expect(again.status).toBe(200);
		expect(await again.json()).toMatchObject({ replayed: false, deadLetter: { id } });
		expect(events.bodies()).toHaveLength(1);
		expect([others.SENDS.calls(), others.WEBHOOKS.calls()]).toEqual([0, 0]);
		// Listed as replayed, no longer pending.
		expect(ids((await list(a.key, "/api/v1/dead-letters", "?status=pending")).body.deadLetters)).not.toContain(id);
		expect(ids((await list(a.key, "/api/v1/dead-letters", "?status=replayed")).body.deadLetters)).toContain(id);
	});

	it("should leave a dead letter pending when its queue does not take the replay", async () => {
		const a = await newWorkspace("A");
		const id = await stored(a.id);
		const down = await callWith({ WEBHOOKS: refusingQueue() }, `/api/v1/dead-letters/${id}/replay`, a.key);
		expect(down.status).toBe(503);
		expect(await down.json()).toMatchObject({ error: { code: "unavailable" } });
		expect(ids((await list(a.key, "/api/v1/dead-letters", "?status=pending")).body.deadLetters)).toContain(id);
		const webhooks = capturingQueue();
		const up = await callWith({ WEBHOOKS: webhooks }, `/api/v1/dead-letters/${id}/replay`, a.key);
		expect(await up.json()).toMatchObject({ replayed: true });
		expect(webhooks.bodies()).toHaveLength(1);
	});

	it("should replay a webhook through the real queue to the endpoint, and the admin token replay one naming none", async () => {
		const a = await newWorkspace("A");
		const path = `/${unique("replayed")}`;
		const created = await call("/api/v1/webhook-endpoints", {
			method: "POST",
			key: a.key,
			json: { url: `${receiverUrl}${path}` },
		});
		const { endpoint } = await created.json<{ endpoint: { id: string } }>();
		const body = delivery(a.id, endpoint.id);
		const id = await stored(a.id, "tapline-webhooks-dlq", body);
		const res = await call(`/api/v1/dead-letters/${id}/replay`, { method: "POST", key: a.key });
		expect(await res.json()).toMatchObject({ replayed: true });
		const requests = await until("the replayed delivery", async () => {
			const got = await (await fetch(`${receiverUrl}/__receiver/requests${path}`)).json<{ body: string }[]>();
			return got.length > 0 && got;
		});
		expect(JSON.parse(requests[0]?.body ?? "")).toEqual(body.event);

		const orphan = await stored(null, "tapline-events-dlq", { v: 42, type: "taps" });
		const events = capturingQueue();
		const replay = await callWith({ EVENTS: events }, `/api/v1/admin/dead-letters/${orphan}/replay`, ADMIN_TOKEN);
		expect(await replay.json()).toMatchObject({ replayed: true });
		expect(events.bodies()).toEqual([{ v: 42, type: "taps" }]);
	});

	it("should delete a dead letter", async () => {
		const a = await newWorkspace("A");
		const id = await stored(a.id);
		expect((await callWith({}, `/api/v1/dead-letters/${id}`, a.key, "DELETE")).status).toBe(204);
		expect((await callWith({}, `/api/v1/dead-letters/${id}`, a.key, "DELETE")).status).toBe(404);
		expect(ids((await adminList()).body.deadLetters)).not.toContain(id);
	});
});
