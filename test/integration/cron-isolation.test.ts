import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { CRON_JOBS, runScheduled } from "../../src/scheduled";

const handlers: ExportedHandler<Env, unknown> = worker;

describe("the cron jobs", () => {
	it("should run every job when one throws, then report the failure", async () => {
		const ran: string[] = [];
		const jobs = ["first", "broken", "last"].map((name) => ({
			name,
			run: async () => {
				ran.push(name);
				if (name === "broken") throw new Error("broken job");
				return null;
			},
		}));
		await expect(runScheduled(env, Date.now(), "*/5 * * * *", jobs)).rejects.toThrow(/1 cron job\(s\) failed/);
		expect(ran).toEqual(["first", "broken", "last"]);
	});

	it("should still sweep stalled sends when raw click retention fails", async () => {
		const now = Date.UTC(2026, 11, 2, 12);
		const id = `msg_cron_${crypto.randomUUID().slice(0, 8)}`;
		await env.DB.prepare(
			`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, kind, provider, status, body,
			                       segments, encoding, created_at, updated_at)
			 VALUES (?1, 'ws_cron', 'cmp_cron', 'ct_cron', NULL, 'campaign', 'outbox', 'submitting', 'hi', 1, 'GSM-7', ?2, ?2)`,
		)
			.bind(id, now - 60 * 60_000)
			.run();
		// The retention job's UPDATE on clicks is refused; the sweep's UPDATE on messages is not.
		await env.DB.exec(
			"CREATE TRIGGER refuse_retention BEFORE UPDATE OF user_agent ON clicks BEGIN SELECT RAISE(ABORT, 'refused'); END",
		);
		await env.DB.prepare(
			`INSERT INTO clicks (id, workspace_id, campaign_id, link_code, clicked_at, human, user_agent, counted)
			 VALUES (?1, 'ws_cron', 'cmp_cron', 'code', ?2, 1, 'UA', 1)`,
		)
			.bind(`cron-${id}`, now - 400 * 86_400_000)
			.run();
		try {
			const ctx = createExecutionContext();
			const run = handlers.scheduled?.(
				createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }),
				env,
				ctx,
			);
			await expect(run).rejects.toThrow(/cron job/);
			await waitOnExecutionContext(ctx);
		} finally {
			await env.DB.exec("DROP TRIGGER refuse_retention");
		}
		const row = await env.DB.prepare("SELECT status, error_code FROM messages WHERE id = ?").bind(id).first();
		expect(row).toEqual({ status: "unknown", error_code: "stalled" });
	});

	it("should name each job, so that a log line says which one failed", () => {
		expect(CRON_JOBS.map((j) => j.name)).toEqual(["raw click retention", "stalled sends sweep", "follow-ups"]);
	});
});
