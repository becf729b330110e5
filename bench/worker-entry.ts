// The Worker as the benchmark runs it: the real app and consumer, plus two bench-only routes registered on the same
// Hono instance (so the baseline pays for the same routing and middleware as the redirect). Never deployed: only
// bench/run.ts bundles this file, with `wrangler deploy --dry-run`.
import { app } from "../src/app";
import worker from "../src/index";

const BARE_LOCATION = "https://shop.example/sale?utm_source=sms&utm_medium=sms&utm_campaign=spring-sale";

// Registered after `/:code`, which cannot match a two-segment path.
app.get("/__bench/bare", () => {
	return new Response(null, {
		status: 302,
		headers: { location: BARE_LOCATION, "cache-control": "private, no-store", "x-robots-tag": "noindex" },
	});
});

// While held, consumer invocations wait (on timers, costing no CPU) instead of writing: the benchmark holds the
// consumer while it applies load, so that the redirect's figures are not mixed with the aggregator's, and releases
// it between runs to drain the queue. Part 3 measures the aggregator on its own.
let held = false;
app.post("/__bench/consumer/:action{hold|release}", (c) => {
	held = c.req.param("action") === "hold";
	return c.body(null, 204);
});

const consumed = { batches: 0, messages: 0, taps: 0, d1Batches: 0, d1Statements: 0, d1Direct: 0 };
app.get("/__bench/stats", (c) => c.json(consumed));

type Counted = typeof consumed;

/** Counts the D1 statements the consumer runs: each statement of a batch, and each one run on its own. */
function countingD1(d1: D1Database, counts: Counted): D1Database {
	const count = (statement: D1PreparedStatement): D1PreparedStatement => {
		const bind = statement.bind.bind(statement);
		statement.bind = (...values: unknown[]) => count(bind(...values));
		for (const method of ["run", "all", "first", "raw"] as const) {
			const original = statement[method].bind(statement) as (...args: unknown[]) => unknown;
			Object.assign(statement, {
				[method]: (...args: unknown[]) => {
					counts.d1Direct += 1;
					counts.d1Statements += 1;
					return original(...args);
				},
			});
		}
		return statement;
	};
	const prepare = d1.prepare.bind(d1);
	const batch = d1.batch.bind(d1);
	return Object.assign(Object.create(d1) as D1Database, {
		prepare: (query: string) => count(prepare(query)),
		batch: (statements: D1PreparedStatement[]) => {
			counts.d1Batches += 1;
			counts.d1Statements += statements.length;
			return batch(statements);
		},
	});
}

export default {
	fetch: app.fetch,
	async queue(batch, env) {
		while (held) await new Promise((resolve) => setTimeout(resolve, 20));
		consumed.batches += 1;
		consumed.messages += batch.messages.length;
		for (const message of batch.messages) {
			const body = message.body as { taps?: unknown[] };
			consumed.taps += body.taps?.length ?? 0;
		}
		await worker.queue(batch, { ...env, DB: countingD1(env.DB, consumed) });
	},
	scheduled: worker.scheduled,
} satisfies ExportedHandler<Env, unknown>;
