import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";

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
