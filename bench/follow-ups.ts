// Part 4 of `npm run bench`: the follow-up cron over a D1 of 1,000,000 clicks and 100,000 eligible contacts. The
// database is seeded through SQL (recursive CTEs, a few large statements), then the Worker's own `scheduled` handler
// runs as Cloudflare runs it, every five minutes of scheduled time, until the backlog is gone.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { cpuSeconds, cpuSecondsFine, peakRss } from "./proc.ts";
import { IPHONE, WHATSAPP } from "./settings.ts";
import { consumer } from "./worker.ts";

type D1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;
export interface BenchWorker {
	mf: Miniflare;
	db: D1;
	url: URL;
	pids: number[];
}

const H = 3_600_000;
const CRON_EVERY_MS = 5 * 60_000;
/** The first run's scheduled time: a fixed instant, so that every run of the benchmark sees the same data. */
export const T0 = Date.UTC(2026, 10, 2, 15, 0, 0);
const MAX_RUNS = 40;
const FLOOR_RUNS = 5;
const DRAIN_LIMIT_MS = 120_000;
const WORKSPACE = "ws_bench0000000001";
const CAMPAIGN = "cmp_benchspring0001";
const OTHER_CAMPAIGN = "cmp_benchflash00001";
const ORIGIN = "https://tap.example";
const MESSAGE = "Still thinking about the spring sale? 20% off ends soon: {link} Reply STOP to opt out";

/**
 * The contacts, in order of their index i (contact ct_b<i>, link B<i>). The first four groups share one range of
 * first taps (28–68 h before the first run), so that every page of candidates mixes them; all times are relative
 * to T0, with hours of margin to the 24 h and 72 h edges so that no contact changes side while the runs advance.
 */
export const GROUPS = [
	{ name: "eligible", count: 100_000, what: "first human tap 28–68 h before, no purchase since, last SMS > 24 h ago" },
	{ name: "bought", count: 10_000, what: "as eligible, but a verified purchase (contact_id set) after the tap" },
	{ name: "opted out", count: 5_000, what: "as eligible, but opted out an hour after the tap" },
	{ name: "capped", count: 5_000, what: "as eligible, but another campaign's SMS 10 h before (cap 24 h)" },
	{ name: "window passed", count: 15_000, what: "first tap 74–234 h before: window closed, still in the look-back" },
	{ name: "long ago", count: 5_000, what: "first tap 250–300 h before: before the look-back" },
	{ name: "too recent", count: 15_000, what: "first tap 1–20 h before" },
	{ name: "bots only", count: 10_000, what: "link preview taps only, no human tap" },
	{ name: "no tap", count: 35_000, what: "got the SMS, never tapped" },
] as const;
const end = (name: (typeof GROUPS)[number]["name"]) => {
	let n = 0;
	for (const g of GROUPS) {
		n += g.count;
		if (g.name === name) return n;
	}
	throw new Error(name);
};
const CONTACTS = end("no tap");
const CLICKS = 1_000_000;
/** Contacts whose links were tapped (by people or bots only): i < TAPPED. */
const TAPPED = end("bots only");
const RETURNING = 3_000;

// Each contact's first human tap and campaign SMS, and their link's taps: n of them, the first a link preview
// (`pre`) for half the contacts, then every third tap a bot. n = 1..11 uniformly over the tapped contacts (7919 is
// prime to 11 and TAPPED a multiple of 11), plus one for the first 10,000: 1,000,000 clicks in all.
const POPULATION = `
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${CONTACTS - 1}),
spread AS (
  SELECT i, CASE
    WHEN i < ${end("capped")} THEN ${T0 - 28 * H} - ((i * 7919) % ${40 * 3600}) * 1000 - i % 1000
    WHEN i < ${end("window passed")} THEN ${T0 - 74 * H} - ((i * 7919) % ${160 * 3600}) * 1000 - i % 1000
    WHEN i < ${end("long ago")} THEN ${T0 - 250 * H} - ((i * 7919) % ${50 * 3600}) * 1000
    WHEN i < ${end("too recent")} THEN ${T0 - 1 * H} - ((i * 7919) % ${19 * 3600}) * 1000 - i % 1000
  END AS tap_at,
  CASE WHEN i < ${TAPPED} THEN 1 + (i * 7919) % 11 + (i < ${CLICKS - (TAPPED / 11) * 66}) ELSE 0 END AS n
  FROM seq)
INSERT INTO bench_population (i, grp, contact_id, code, variant, tap_at, sent_at, n, pre)
SELECT i, CASE ${GROUPS.map((g) => `WHEN i < ${end(g.name)} THEN '${g.name}'`).join(" ")} END,
       printf('ct_b%015d', i), printf('B%06d', i), CASE WHEN i / 2 % 2 = 0 THEN 'A' ELSE 'B' END, tap_at,
       CASE WHEN tap_at IS NOT NULL THEN tap_at - (5 + i % 355) * 60000
            ELSE ${T0 - 2 * H} - ((i * 7919) % ${98 * 3600}) * 1000 END,
       n, tap_at IS NOT NULL AND i % 2 = 0 AND n >= 2
FROM spread`;

const CLICK_CHUNK = 20_000;
const clickInsert = (from: number, to: number) => `
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 11),
taps AS (
  SELECT p.*, j, p.tap_at IS NOT NULL AND j >= p.pre AND (j - p.pre) % 3 <> 2 AS human
  FROM bench_population p JOIN k ON j < p.n WHERE p.i >= ${from} AND p.i < ${to})
INSERT INTO clicks (id, workspace_id, campaign_id, link_code, contact_id, variant, clicked_at, human, bot_reason,
                    device_type, os, browser, country, region, city, colo, referer, user_agent, first_human, counted)
SELECT printf('clk%018d', i * 12 + j), '${WORKSPACE}', '${CAMPAIGN}', code, contact_id, variant,
       CASE WHEN tap_at IS NULL OR j < pre THEN sent_at + 2000 + j * 97000 ELSE tap_at + (j - pre) * 97000 END,
       human, CASE WHEN human THEN NULL ELSE 'preview' END, CASE WHEN human THEN 'mobile' END,
       CASE WHEN human THEN 'iOS' END, CASE WHEN human THEN 'Mobile Safari' END, 'US', 'New York', 'New York', 'EWR',
       NULL, CASE WHEN human THEN '${IPHONE}' ELSE '${WHATSAPP}' END, human AND j = pre, 1
FROM taps`;

const SEED = [
	"CREATE TABLE bench_population (i INTEGER PRIMARY KEY, grp TEXT NOT NULL, contact_id TEXT NOT NULL UNIQUE, code TEXT NOT NULL, variant TEXT NOT NULL, tap_at INTEGER, sent_at INTEGER NOT NULL, n INTEGER NOT NULL, pre INTEGER NOT NULL)",
	"CREATE TABLE bench_eligible (contact_id TEXT PRIMARY KEY)",
	POPULATION,
	`INSERT INTO workspaces (id, name, created_at) VALUES ('${WORKSPACE}', 'Bench', ${T0 - 60 * 24 * H})`,
	// The follow-up is configured but off: the floor runs come first, then it is switched on. No scan mark: the first
	// run reads from the start of the look-back, as for a campaign whose follow-up was just switched on.
	`INSERT INTO campaigns (id, workspace_id, name, stage, destination_url, utm_source, utm_medium, utm_campaign,
	   created_at, updated_at, follow_up_enabled, follow_up_after_hours, follow_up_window_hours, follow_up_message,
	   follow_up_origin, follow_up_scanned_until)
	 VALUES ('${CAMPAIGN}', '${WORKSPACE}', 'Spring sale', 'consideration', 'https://shop.example/sale', 'sms', 'sms',
	   'spring-sale', ${T0 - 20 * 24 * H}, ${T0 - 20 * 24 * H}, 0, 24, 48, '${MESSAGE}', '${ORIGIN}', NULL),
	   ('${OTHER_CAMPAIGN}', '${WORKSPACE}', 'Flash sale', 'purchase', 'https://shop.example/flash', 'sms', 'sms',
	   'flash-sale', ${T0 - 2 * 24 * H}, ${T0 - 2 * 24 * H}, 0, 24, 48, NULL, NULL, NULL)`,
	`INSERT INTO contacts (id, workspace_id, phone, external_id, timezone, stage, created_at, opted_out_at)
	 SELECT contact_id, '${WORKSPACE}', '+1212' || (2000000 + i), 'cust-' || i, NULL,
	        CASE WHEN grp = 'bought' THEN 'purchase' WHEN tap_at IS NOT NULL THEN 'consideration' END,
	        ${T0 - 30 * 24 * H}, CASE WHEN grp = 'opted out' THEN tap_at + ${H} END
	 FROM bench_population`,
	`INSERT INTO links (code, workspace_id, campaign_id, contact_id, variant, kind, created_at)
	 SELECT code, '${WORKSPACE}', '${CAMPAIGN}', contact_id, variant, 'campaign', sent_at - 60000 FROM bench_population`,
	// The campaign's own SMS to everyone, delivered; and the other campaign's, 10 h ago, to the capped contacts.
	`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, body, segments,
	   encoding, status, provider_message_id, attempts, created_at, updated_at, submitted_at, queued_at, sent_at,
	   delivered_at)
	 SELECT printf('msg_b%015d', i), '${WORKSPACE}', '${CAMPAIGN}', contact_id, code, variant, 'campaign', 'twilio',
	        'Spring sale: 20% off everything this week ${ORIGIN}/' || code || ' Reply STOP to opt out', 1, 'GSM-7',
	        'delivered', printf('SMb%031d', i), 1, sent_at, sent_at + 5000, sent_at + 1000, sent_at + 1000,
	        sent_at + 2000, sent_at + 5000
	 FROM bench_population`,
	`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, body, segments,
	   encoding, status, provider_message_id, attempts, created_at, updated_at, submitted_at, queued_at, sent_at,
	   delivered_at)
	 SELECT printf('msg_f%015d', i), '${WORKSPACE}', '${OTHER_CAMPAIGN}', contact_id, NULL, NULL, 'campaign', 'twilio',
	        'Flash sale today only: shop.example/flash', 1, 'GSM-7', 'delivered', printf('SMf%031d', i), 1, at, at + 5000,
	        at + 1000, at + 1000, at + 2000, at + 5000
	 FROM (SELECT *, ${T0 - 10 * H} + i % 3600 * 1000 AS at FROM bench_population WHERE grp = 'capped')`,
	...Array.from({ length: Math.ceil(TAPPED / CLICK_CHUNK) }, (_, c) =>
		clickInsert(c * CLICK_CHUNK, Math.min(TAPPED, (c + 1) * CLICK_CHUNK)),
	),
	// The aggregator's counters, from the clicks themselves.
	`UPDATE links SET clicks = a.clicks, human_clicks = a.human, bot_clicks = a.clicks - a.human,
	   first_human_click_at = a.first, last_human_click_at = a.last
	 FROM (SELECT link_code, count(*) AS clicks, sum(human) AS human, min(CASE WHEN human THEN clicked_at END) AS first,
	              max(CASE WHEN human THEN clicked_at END) AS last
	       FROM clicks GROUP BY link_code) AS a
	 WHERE links.code = a.link_code`,
	// Purchases: the bought contacts', attributed to their first tap; and older ones by returning customers, before
	// their tap, which must not hold back their follow-up.
	`INSERT INTO purchases (id, workspace_id, order_id, source, value_minor, currency, occurred_at, received_at, click_id,
	   campaign_id, link_code, contact_id, variant, attributed_by, click_at, lag_ms, verified)
	 SELECT printf('pur_b%015d', i), '${WORKSPACE}', 'order-' || i, 'api', 4900 + i % 5000, 'USD', at, at + 1000,
	        printf('clk%018d', i * 12 + pre), '${CAMPAIGN}', code, contact_id, variant, 'click_id', tap_at, at - tap_at, 1
	 FROM (SELECT *, tap_at + ${2 * H} + i % 120 * 60000 AS at FROM bench_population WHERE grp = 'bought')`,
	`INSERT INTO purchases (id, workspace_id, order_id, source, value_minor, currency, occurred_at, received_at,
	   contact_id, verified)
	 SELECT printf('pur_r%015d', i), '${WORKSPACE}', 'old-order-' || i, 'api', 2900, 'USD', tap_at - ${30 * 24 * H},
	        tap_at - ${30 * 24 * H} + 1000, contact_id, 1
	 FROM bench_population WHERE i < ${RETURNING}`,
];

// Who should get a follow-up at `now`, from the raw clicks rather than the link's counters, so that it checks the
// seed against the definition: a first human tap on the campaign's link 24–72 h before, no verified purchase
// since, not opted out, no SMS (not cancelled) handed over or queued in the last 24 h before it; the follow-ups
// themselves (sent from T0 on) are left out, so that it gives the same answer after the runs.
const ORACLE = `
SELECT f.contact_id FROM (SELECT contact_id, min(clicked_at) AS first FROM clicks
                          WHERE human = 1 AND campaign_id = '${CAMPAIGN}' GROUP BY contact_id) AS f
JOIN contacts c ON c.id = f.contact_id
WHERE f.first BETWEEN ?1 - ${72 * H} AND ?1 - ${24 * H} AND c.opted_out_at IS NULL AND c.erased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.contact_id = f.contact_id AND p.verified = 1
                  AND p.occurred_at >= f.first)
  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = f.contact_id AND m.status <> 'canceled'
                  AND coalesce(m.submitted_at, m.created_at) > ?1 - ${24 * H} AND m.created_at < ${T0})`;

async function count(db: D1, sql: string, ...params: unknown[]): Promise<number> {
	return (
		(
			await db
				.prepare(sql)
				.bind(...params)
				.first<{ n: number }>()
		)?.n ?? 0
	);
}

async function seed(worker: BenchWorker & { persist: string }) {
	const { db } = worker;
	const t = performance.now();
	for (const sql of SEED) await db.prepare(sql).run();
	await db.prepare(`INSERT INTO bench_eligible ${ORACLE}`).bind(T0).run();
	const seconds = (performance.now() - t) / 1000;
	const q = (sql: string) => count(db, sql);
	const counts = {
		contacts: await q("SELECT count(*) AS n FROM contacts"),
		links: await q("SELECT count(*) AS n FROM links"),
		linksTappedByPeople: await q("SELECT count(*) AS n FROM links WHERE first_human_click_at IS NOT NULL"),
		clicks: await q("SELECT count(*) AS n FROM clicks"),
		humanClicks: await q("SELECT count(*) AS n FROM clicks WHERE human = 1"),
		linkCounters: await q("SELECT sum(clicks) AS n FROM links"),
		linkHumanCounters: await q("SELECT sum(human_clicks) AS n FROM links"),
		firstHumanRows: await q("SELECT count(*) AS n FROM clicks WHERE first_human = 1"),
		messages: await q("SELECT count(*) AS n FROM messages"),
		purchases: await q("SELECT count(*) AS n FROM purchases WHERE verified = 1"),
		eligible: await q("SELECT count(*) AS n FROM bench_eligible"),
		eligibleInGroup: await q(
			"SELECT count(*) AS n FROM bench_eligible JOIN bench_population USING (contact_id) WHERE grp = 'eligible'",
		),
	};
	const consistent =
		counts.clicks === CLICKS &&
		counts.linkCounters === CLICKS &&
		counts.linkHumanCounters === counts.humanClicks &&
		counts.firstHumanRows === counts.linksTappedByPeople &&
		counts.eligible === end("eligible") &&
		counts.eligibleInGroup === end("eligible");
	return { seconds, counts, consistent, bytes: dirBytes(worker.persist) };
}

function dirBytes(dir: string): number {
	let bytes = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
	}
	return bytes;
}

interface CronCounters {
	runs: number;
	queueSends: number;
	queueMessages: number;
	d1Batches: number;
	d1Statements: number;
	d1Ms: number;
	rowsRead: number;
	rowsWritten: number;
	newStatements: number;
	newMs: number;
	newRowsRead: number;
	dueStatements: number;
	dueMs: number;
	dueRowsRead: number;
	limits: { pageSize: number; perRun: number };
}

const getJson = async <T>(worker: BenchWorker, path: string, body?: unknown): Promise<T> => {
	const res = await fetch(new URL(path, worker.url), {
		method: body === undefined ? "GET" : "POST",
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
};
const delivered = (worker: BenchWorker) =>
	getJson<{ delivered: number; distinct: number; ids: string[] }>(worker, "/__bench/sends");

export interface CronRun {
	at: number;
	wallSeconds: number;
	/** On-CPU time of workerd's threads over the run (schedstat, nanoseconds). */
	cpuSeconds: number;
	/** The same from utime + stime, in 10 ms ticks, as part 1 measures: a cross-check. */
	cpuSecondsTicks: number;
	peakRss: number;
	/** Contacts the run decided (a follow_ups row written at its time). */
	decided: number;
	/** Messages it put on the send queue, and the sendBatch calls that carried them. */
	queued: number;
	queueSends: number;
	d1Statements: number;
	d1Batches: number;
	d1Ms: number;
	rowsRead: number;
	rowsWritten: number;
	/** Of the D1 figures, the two selections': NEW_CANDIDATES (from the scan mark) and DUE_CANDIDATES (waiting). */
	selectNew: Selection;
	selectDue: Selection;
}
interface Selection {
	statements: number;
	ms: number;
	rowsRead: number;
}

const decidedAt = (db: D1, at: number) => count(db, "SELECT count(*) AS n FROM follow_ups WHERE updated_at = ?", at);

/**
 * One cron run as Cloudflare makes it: the Worker's `scheduled` handler with this scheduled time. The send consumer
 * is held while it runs (the queue fills; nothing is consumed), then released until it has counted every message.
 */
async function cronRun(worker: BenchWorker, at: number): Promise<CronRun> {
	const handler = await worker.mf.getWorker("tapline");
	await consumer(worker, "hold");
	const before = await getJson<CronCounters>(worker, "/__bench/cron");
	const decidedBefore = await decidedAt(worker.db, at);
	const ticksBefore = cpuSeconds(worker.pids);
	const cpuBefore = cpuSecondsFine(worker.pids);
	const t = performance.now();
	const { result, peak } = await peakRss(worker.pids, () =>
		handler.scheduled({ scheduledTime: new Date(at), cron: "*/5 * * * *" }),
	);
	const wallSeconds = (performance.now() - t) / 1000;
	const cpu = cpuSecondsFine(worker.pids) - cpuBefore;
	const ticks = cpuSeconds(worker.pids) - ticksBefore;
	if (result.outcome !== "ok") throw new Error(`cron run at ${new Date(at).toISOString()}: ${result.outcome}`);
	const after = await getJson<CronCounters>(worker, "/__bench/cron");
	const queued = after.queueMessages - before.queueMessages;
	// A contact decided by this run has a follow_ups row written at its time; a repeated run at the same time finds
	// the earlier run's rows already there, hence the difference.
	const decided = (await decidedAt(worker.db, at)) - decidedBefore;
	await consumer(worker, "release");
	const until = performance.now() + DRAIN_LIMIT_MS;
	for (let n = await delivered(worker); n.delivered < after.queueMessages; n = await delivered(worker)) {
		if (performance.now() > until) throw new Error(`${n.delivered} of ${after.queueMessages} queued sends arrived`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return {
		at,
		wallSeconds,
		cpuSeconds: cpu,
		cpuSecondsTicks: ticks,
		peakRss: peak,
		decided,
		queued,
		queueSends: after.queueSends - before.queueSends,
		d1Statements: after.d1Statements - before.d1Statements,
		d1Batches: after.d1Batches - before.d1Batches,
		d1Ms: after.d1Ms - before.d1Ms,
		rowsRead: after.rowsRead - before.rowsRead,
		rowsWritten: after.rowsWritten - before.rowsWritten,
		selectNew: {
			statements: after.newStatements - before.newStatements,
			ms: after.newMs - before.newMs,
			rowsRead: after.newRowsRead - before.newRowsRead,
		},
		selectDue: {
			statements: after.dueStatements - before.dueStatements,
			ms: after.dueMs - before.dueMs,
			rowsRead: after.dueRowsRead - before.dueRowsRead,
		},
	};
}

/** The campaign's scan mark (`follow_up_scanned_until`), null when unset. */
const scanMark = async (db: D1) =>
	(
		await db
			.prepare("SELECT follow_up_scanned_until AS mark FROM campaigns WHERE id = ?")
			.bind(CAMPAIGN)
			.first<{ mark: number | null }>()
	)?.mark ?? null;

export async function benchFollowUps(worker: BenchWorker & { persist: string }, log: (line: string) => void) {
	const seeded = await seed(worker);
	log(
		`seeded in ${seeded.seconds.toFixed(0)} s: ${JSON.stringify(seeded.counts)}${seeded.consistent ? "" : " !! INCONSISTENT"}`,
	);
	if (!seeded.consistent) throw new Error("the seeded D1 does not hold what part 4 needs");
	const { limits } = await getJson<CronCounters>(worker, "/__bench/cron");

	// The floor: the whole cron (raw-click retention, the sweep of stalled sends, the follow-ups' campaign query) with
	// no campaign whose follow-up is on. The first run warms the isolate and is not counted.
	const floor: CronRun[] = [];
	for (let k = FLOOR_RUNS; k >= 0; k--) {
		const run = await cronRun(worker, T0 - (k + 1) * CRON_EVERY_MS);
		if (k < FLOOR_RUNS) floor.push(run);
	}
	log(
		`floor: ${floor.map((r) => `${(r.cpuSeconds * 1000).toFixed(1)} ms CPU (${r.wallSeconds.toFixed(3)} s wall)`).join(", ")}`,
	);

	// The plans of both selections, with the first run's parameters (no scan mark yet: the range starts at the oldest
	// first tap of the look-back, 72 h + 7 days).
	const from = T0 - (24 + 48) * H - 7 * 24 * H;
	type PlanRow = { id: number; parent: number; detail: string };
	const newPlan = await getJson<PlanRow[]>(worker, "/__bench/plan/new", {
		campaignId: CAMPAIGN,
		from,
		to: T0 - 24 * H,
		after: { firstTapAt: from, linkCode: "" },
		capFrom: T0 - 24 * H,
		limit: limits.pageSize,
	});
	const duePlan = await getJson<PlanRow[]>(worker, "/__bench/plan/due", {
		campaignId: CAMPAIGN,
		now: T0,
		capFrom: T0 - 24 * H,
		limit: limits.pageSize,
	});

	// Seeded without one, and the floor runs (follow-up off) leave it so.
	const markAtStart = await scanMark(worker.db);
	await worker.db.prepare("UPDATE campaigns SET follow_up_enabled = 1 WHERE id = ?").bind(CAMPAIGN).run();
	const runs: CronRun[] = [];
	for (let k = 0; k < MAX_RUNS; k++) {
		const run = await cronRun(worker, T0 + k * CRON_EVERY_MS);
		runs.push(run);
		log(
			`run ${k + 1}: decided ${run.decided}, queued ${run.queued}, ${run.wallSeconds.toFixed(2)} s wall, ${run.cpuSeconds.toFixed(2)} s CPU (ticks ${run.cpuSecondsTicks.toFixed(2)}), ${run.d1Ms.toFixed(0)} ms D1 SQL (selecting ${run.selectNew.ms.toFixed(0)} + ${run.selectDue.ms.toFixed(0)}), ${run.d1Statements} D1 statements, ${run.rowsRead} rows read (selecting ${run.selectNew.rowsRead} + ${run.selectDue.rowsRead})`,
		);
		if (run.decided < limits.perRun) break;
	}
	const last = runs.at(-1) as CronRun;
	const markAfterLast = await scanMark(worker.db);
	const repeat = await cronRun(worker, last.at);
	log(
		`repeat of run ${runs.length}: decided ${repeat.decided}, queued ${repeat.queued}, ${repeat.cpuSeconds.toFixed(2)} s CPU, ${repeat.rowsRead} rows read (selecting ${repeat.selectNew.rowsRead} + ${repeat.selectDue.rowsRead})`,
	);

	const db = worker.db;
	const sends = await getJson<{ delivered: number; distinct: number; ids: string[] }>(worker, "/__bench/sends?ids=1");
	const followUpIds = new Set(
		(await db.prepare("SELECT id FROM messages WHERE kind = 'followup'").all<{ id: string }>()).results.map(
			(r) => r.id,
		),
	);
	const q = (sql: string, ...params: unknown[]) => count(db, sql, ...params);
	const check = {
		followUpMessages: followUpIds.size,
		toEligible: await q(
			"SELECT count(DISTINCT m.contact_id) AS n FROM messages m JOIN bench_eligible e USING (contact_id) WHERE m.kind = 'followup'",
		),
		toOthers: await q(
			"SELECT count(*) AS n FROM messages m WHERE m.kind = 'followup' AND m.contact_id NOT IN (SELECT contact_id FROM bench_eligible)",
		),
		followUpLinks: await q("SELECT count(*) AS n FROM links WHERE kind = 'followup'"),
		// Still eligible at the last run's time, by the same definition: the margins held.
		eligibleAtLast: await q(`SELECT count(*) AS n FROM (${ORACLE})`, last.at),
		eligibleAtLastSame: await q(
			`SELECT count(*) AS n FROM (${ORACLE}) JOIN bench_eligible USING (contact_id)`,
			last.at,
		),
		queueMessages: runs.reduce((s, r) => s + r.queued, 0) + repeat.queued,
		// The scan mark: none before the first run; after the last run, set, and no later than the end of that run's
		// range (its time − 24 h), else a contact could be passed over unread.
		markAtStart,
		markAfterLast,
		lastRangeEnd: last.at - 24 * H,
		// What the mark promises: every contact of the campaign with a first human tap in the look-back and before the
		// mark has a follow_ups row (read from the links, not from the cron's own queries).
		undecidedBeforeMark:
			markAfterLast === null
				? -1
				: await q(
						`SELECT count(*) AS n FROM links l JOIN contacts c ON c.id = l.contact_id
						 WHERE l.campaign_id = ?1 AND l.kind = 'campaign' AND l.deleted_at IS NULL
						   AND l.first_human_click_at >= ?2 AND l.first_human_click_at < ?3 AND c.erased_at IS NULL
						   AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.campaign_id = ?1 AND f.contact_id = l.contact_id)`,
						CAMPAIGN,
						last.at - (24 + 48) * H - 7 * 24 * H,
						markAfterLast,
					),
		eligibleUndecided: await q(
			`SELECT count(*) AS n FROM bench_eligible e
			 WHERE NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.campaign_id = ?1 AND f.contact_id = e.contact_id)`,
			CAMPAIGN,
		),
		// First taps between the mark and the end of the last run's range: what every later run passes over again
		// (all decided) while the mark stays 3 hours behind.
		tappedAfterMark:
			markAfterLast === null
				? 0
				: await q(
						`SELECT count(*) AS n FROM links WHERE campaign_id = ?1 AND kind = 'campaign' AND deleted_at IS NULL
						   AND first_human_click_at >= ?2 AND first_human_click_at <= ?3`,
						CAMPAIGN,
						markAfterLast,
						last.at - 24 * H,
					),
		delivered: sends.delivered,
		deliveredDistinct: sends.distinct,
		deliveredAreFollowUps: sends.ids.filter((id) => followUpIds.has(id)).length,
		decisions: (
			await db
				.prepare(
					"SELECT f.status, coalesce(f.reason, '') AS reason, p.grp, count(*) AS n FROM follow_ups f JOIN bench_population p USING (contact_id) GROUP BY 1, 2, 3 ORDER BY 4 DESC",
				)
				.all<{ status: string; reason: string; grp: string; n: number }>()
		).results,
	};
	const eligible = end("eligible");
	const correct =
		check.followUpMessages === eligible &&
		check.toEligible === eligible &&
		check.toOthers === 0 &&
		check.followUpLinks === eligible &&
		check.eligibleAtLast === eligible &&
		check.eligibleAtLastSame === eligible &&
		check.queueMessages === eligible &&
		check.delivered === eligible &&
		check.deliveredDistinct === eligible &&
		check.deliveredAreFollowUps === eligible &&
		repeat.queued === 0 &&
		check.markAtStart === null &&
		check.markAfterLast !== null &&
		check.markAfterLast <= check.lastRangeEnd &&
		check.undecidedBeforeMark === 0 &&
		check.eligibleUndecided === 0;
	log(`checks: ${JSON.stringify({ ...check, decisions: undefined })}${correct ? "" : " !! WRONG"}`);
	return {
		t0: T0,
		groups: GROUPS.map((g) => ({ ...g })),
		returning: RETURNING,
		seeded,
		limits,
		plans: { new: newPlan, due: duePlan },
		floor,
		runs,
		repeat,
		check,
		correct,
	};
}
