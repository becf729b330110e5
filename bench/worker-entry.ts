// The Worker as the benchmark runs it: the real app, consumer and cron, plus bench-only routes registered on the same
// Hono instance (so the baseline pays for the same routing and middleware as the redirect). Never deployed: only
// bench/run.ts bundles this file, with `wrangler deploy --dry-run`.
import { app } from "../src/app";
import { QUEUES } from "../src/consumers";
import {
	type DueCandidates,
	dueCandidatesQuery,
	type NewCandidates,
	newCandidatesQuery,
} from "../src/follow-ups/queries";
import { DEFAULT_LIMITS } from "../src/follow-ups/run";
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

const d1Counts = () => ({
	d1Batches: 0,
	d1Statements: 0,
	d1Direct: 0,
	d1Ms: 0,
	rowsRead: 0,
	rowsWritten: 0,
	// The follow-up cron's two selections, counted apart (also in the totals above): statements, SQL ms, rows read.
	newStatements: 0,
	newMs: 0,
	newRowsRead: 0,
	dueStatements: 0,
	dueMs: 0,
	dueRowsRead: 0,
});
const consumed = { batches: 0, messages: 0, taps: 0, ...d1Counts() };
app.get("/__bench/stats", (c) => c.json(consumed));

// What the cron did, summed over its runs: part 4 reads it before and after each run.
const cron = { runs: 0, queueSends: 0, queueMessages: 0, ...d1Counts() };
app.get("/__bench/cron", (c) => c.json({ ...cron, limits: DEFAULT_LIMITS }));

// The send queue's messages as they reach the consumer. The bench never texts anyone: the messages are counted and
// acked (part 4 measures the cron that selects, claims and queues; sending is the sender's job).
const sends = { delivered: 0, ids: new Set<string>() };
app.get("/__bench/sends", (c) =>
	c.json({ delivered: sends.delivered, distinct: sends.ids.size, ids: c.req.query("ids") ? [...sends.ids] : [] }),
);

// EXPLAIN QUERY PLAN of the follow-up cron's two selections (src/follow-ups/queries.ts), as the cron binds them.
app.post("/__bench/plan/:which{new|due}", async (c) => {
	const query =
		c.req.param("which") === "new"
			? newCandidatesQuery(await c.req.json<NewCandidates>())
			: dueCandidatesQuery(await c.req.json<DueCandidates>());
	const { results } = await c.env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
		.bind(...query.params)
		.all<{ id: number; parent: number; detail: string }>();
	return c.json(results);
});

type D1Counted = ReturnType<typeof d1Counts>;

// The SQL of the cron's two selections as it reaches D1 (the text does not depend on the values bound).
type Selection = "new" | "due";
const SELECTIONS = new Map<string, Selection>([
	[
		newCandidatesQuery({ campaignId: "", from: 0, to: 0, after: { firstTapAt: 0, linkCode: "" }, capFrom: 0, limit: 0 })
			.sql,
		"new",
	],
	[dueCandidatesQuery({ campaignId: "", now: 0, capFrom: 0, limit: 0 }).sql, "due"],
]);

/**
 * Counts the D1 statements run through this binding (each statement of a batch, and each one run on its own), and
 * adds up what D1 reports of them: SQL duration and rows read and written; the follow-up selections also apart.
 */
function countingD1(d1: D1Database, counts: D1Counted): D1Database {
	const selectionOf = new WeakMap<D1PreparedStatement, Selection>();
	const add = <R extends D1Result | D1Result[]>(result: R, statements: D1PreparedStatement[]): R => {
		(Array.isArray(result) ? result : [result]).forEach(({ meta }, i) => {
			const ms = meta?.duration ?? 0;
			const read = meta?.rows_read ?? 0;
			counts.d1Ms += ms;
			counts.rowsRead += read;
			counts.rowsWritten += meta?.rows_written ?? 0;
			const statement = statements[i];
			const selection = statement && selectionOf.get(statement);
			if (selection) {
				counts[`${selection}Statements`] += 1;
				counts[`${selection}Ms`] += ms;
				counts[`${selection}RowsRead`] += read;
			}
		});
		return result;
	};
	const count = (statement: D1PreparedStatement, selection: Selection | undefined): D1PreparedStatement => {
		if (selection) selectionOf.set(statement, selection);
		const bind = statement.bind.bind(statement);
		statement.bind = (...values: unknown[]) => count(bind(...values), selection);
		for (const method of ["run", "all", "first", "raw"] as const) {
			const original = statement[method].bind(statement) as (...args: unknown[]) => Promise<unknown>;
			Object.assign(statement, {
				[method]: (...args: unknown[]) => {
					counts.d1Direct += 1;
					counts.d1Statements += 1;
					const result = original(...args);
					return method === "run" || method === "all" ? result.then((r) => add(r as D1Result, [statement])) : result;
				},
			});
		}
		return statement;
	};
	const prepare = d1.prepare.bind(d1);
	const batch = d1.batch.bind(d1);
	return Object.assign(Object.create(d1) as D1Database, {
		prepare: (query: string) => count(prepare(query), SELECTIONS.get(query)),
		batch: (statements: D1PreparedStatement[]) => {
			counts.d1Batches += 1;
			counts.d1Statements += statements.length;
			return batch(statements).then((results) => add(results, statements));
		},
	});
}

/** Counts the messages sent through a queue binding. */
function countingQueue(queue: Queue, counts: typeof cron): Queue {
	const send = queue.send.bind(queue);
	const sendBatch = queue.sendBatch.bind(queue);
	return Object.assign(Object.create(queue) as Queue, {
		send: (...args: Parameters<Queue["send"]>) => {
			counts.queueSends += 1;
			counts.queueMessages += 1;
			return send(...args);
		},
		sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
			const list = [...messages];
			counts.queueSends += 1;
			counts.queueMessages += list.length;
			return sendBatch(list, options);
		},
	});
}

export default {
	fetch: app.fetch,
	async queue(batch, env) {
		while (held) await new Promise((resolve) => setTimeout(resolve, 20));
		if (batch.queue === QUEUES.sends) {
			for (const message of batch.messages) {
				sends.delivered += 1;
				sends.ids.add((message.body as { messageId: string }).messageId);
			}
			batch.ackAll();
			return;
		}
		consumed.batches += 1;
		consumed.messages += batch.messages.length;
		for (const message of batch.messages) {
			const body = message.body as { taps?: unknown[] };
			consumed.taps += body.taps?.length ?? 0;
		}
		await worker.queue(batch, { ...env, DB: countingD1(env.DB, consumed) });
	},
	async scheduled(controller, env) {
		cron.runs += 1;
		await worker.scheduled(controller, { ...env, DB: countingD1(env.DB, cron), SENDS: countingQueue(env.SENDS, cron) });
	},
} satisfies ExportedHandler<Env, unknown>;
