import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runScheduled } from "../../src/scheduled";
import { capturingQueue, refusingQueue } from "../support/queues";
import { DAYTIME, sendCampaign, setup } from "../support/sms-campaign";
import { runSends } from "../support/sms-harness";
import { twilioRequests } from "../support/twilio";

const handlers: ExportedHandler<Env, unknown> = worker;

describe("the scheduled job", () => {
	it("should clear raw user agents and referers older than the retention period and keep the rest", async () => {
		const now = Date.UTC(2026, 10, 27);
		const day = 86_400_000;
		const insert = env.DB.prepare(
			`INSERT INTO clicks (id, workspace_id, campaign_id, link_code, clicked_at, human, os, user_agent, referer, counted)
			 VALUES (?, 'ws_x', 'cmp_x', 'code', ?, 1, 'iOS', 'UA', 'https://ref.example/', 1)`,
		);
		await env.DB.batch([insert.bind("retention-old", now - 91 * day), insert.bind("retention-new", now - 89 * day)]);

		const ctx = createExecutionContext();
		await handlers.scheduled?.(createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);

		const rows = await env.DB.prepare(
			"SELECT id, os, user_agent AS ua, referer FROM clicks WHERE id LIKE 'retention-%' ORDER BY id",
		).all();
		expect(rows.results).toEqual([
			{ id: "retention-new", os: "iOS", ua: "UA", referer: "https://ref.example/" },
			{ id: "retention-old", os: "iOS", ua: null, referer: null },
		]);
	});
});

describe("the stalled-send sweep under a failing queue", () => {
	const HOUR = 3_600_000;
	const bodyOf = (id: unknown) => ({ v: 1, type: "send", messageId: id });

	/** A campaign sent to `count` people whose queue messages were all lost 14 hours ago. */
	async function stalled(count: number) {
		const s = await setup(0);
		const people = Array.from({ length: count }, (_, i) => ({
			phone: `+1415556${String(1000 + i).padStart(4, "0")}`,
			timezone: DAYTIME(),
		}));
		const sent = await sendCampaign(s.appEnv, s.key, s.campaignId, people);
		expect(sent.body.queued).toBe(count);
		const now = Date.now();
		await env.DB.prepare("UPDATE messages SET updated_at = ?2 WHERE campaign_id = ?1 AND status = 'pending'")
			.bind(s.campaignId, now - 14 * HOUR)
			.run();
		const { results } = await env.DB.prepare("SELECT id FROM messages WHERE campaign_id = ?1")
			.bind(s.campaignId)
			.all<{ id: string }>();
		const ids = results.map((m) => m.id);
		expect(ids).toHaveLength(count);
		return { ...s, now, ids, original: sent.sends.map((m) => m.body) };
	}

	it("should queue again, on the next run, stalled messages whose queueing failed after the sweep found them", async () => {
		const s = await stalled(2);
		// The queue is down: the sweep reads the two messages, then every send fails.
		const down = refusingQueue();
		await expect(runScheduled({ ...s.appEnv, SENDS: down }, s.now)).rejects.toThrow(/cron job/);

		// Five minutes later the queue is back: the same two are found and queued, not hidden for 13 hours.
		const sends = capturingQueue();
		await runScheduled({ ...s.appEnv, SENDS: sends }, s.now + 5 * 60_000);
		expect(sends.bodies()).toEqual(expect.arrayContaining(s.ids.map(bodyOf)));
		// Once on the queue they are looked after: the run after that queues nothing more of them.
		const after = capturingQueue();
		await runScheduled({ ...s.appEnv, SENDS: after }, s.now + 10 * 60_000);
		expect(
			after.bodies().filter((b) => s.ids.map(bodyOf).some((m) => JSON.stringify(m) === JSON.stringify(b))),
		).toEqual([]);

		// Each goes out once, though the original queue messages turn up too (at-least-once delivery).
		await runSends(s.appEnv, [...sends.bodies(), ...s.original, ...sends.bodies()]);
		expect((await twilioRequests(s.account)).map((r) => r.params.To).sort()).toEqual(
			["+14155561000", "+14155561001"].sort(),
		);
	});

	it("should touch only the batches that went out when the queue fails midway, and queue the rest next run", async () => {
		const s = await stalled(150);
		// The first sendBatch (100 messages) goes through; the second fails.
		const flaky = capturingQueue((call) => (call === 2 ? "fail" : null));
		await expect(runScheduled({ ...s.appEnv, SENDS: flaky }, s.now)).rejects.toThrow(/cron job/);
		const first = new Set(flaky.bodies().map((b) => (b as { messageId: string }).messageId));
		expect(first.size).toBe(100);

		const sends = capturingQueue();
		await runScheduled({ ...s.appEnv, SENDS: sends }, s.now + 5 * 60_000);
		const second = sends
			.bodies()
			.map((b) => (b as { messageId: string }).messageId)
			.filter((id) => s.ids.includes(id));
		expect(second).toHaveLength(50);
		expect(second.filter((id) => first.has(id))).toEqual([]);
		expect(new Set([...first, ...second])).toEqual(new Set(s.ids));
	});
});
