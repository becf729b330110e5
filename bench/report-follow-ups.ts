// Part 4's section of bench/RESULTS.md: the follow-up cron over 1,000,000 clicks and 100,000 eligible contacts.
import { median, met, mib, n, spreadWith } from "./format.ts";
import type { Report } from "./run.ts";

type FollowUps = NonNullable<Report["followUps"]>;
type CronRun = FollowUps["runs"][number];

// Cloudflare's default CPU limit per invocation, cron included, when wrangler.toml sets no limits.cpu_ms (it does
// not): "By default, Workers are still limited to 30 seconds of CPU time" (developers.cloudflare.com/changelog/
// 2025-03-25-higher-cpu-limits; developers.cloudflare.com/workers/platform/limits, "CPU time").
const CPU_LIMIT_S = 30;
// D1's "Maximum SQL query duration" (developers.cloudflare.com/d1/platform/limits).
const D1_QUERY_LIMIT_S = 30;
/** "Well inside": the costliest run uses at most a third of the limit. */
const HEADROOM = 3;
export const TARGET_FOLLOW_UP = "One follow-up cron run well inside the 30 s CPU limit";

const sum = (runs: CronRun[], pick: (r: CronRun) => number) => runs.reduce((s, r) => s + pick(r), 0);
const at = (f: FollowUps, t: number) => {
	const minutes = Math.round((t - f.t0) / 60_000);
	return minutes === 0 ? "T0" : `T0 ${minutes > 0 ? "+" : "−"} ${Math.abs(minutes)} min`;
};

export function followUpTarget(f: FollowUps): string {
	const max = Math.max(...f.runs.map((r) => r.cpuSeconds));
	const ok = max * HEADROOM <= CPU_LIMIT_S && f.correct;
	return `| ${TARGET_FOLLOW_UP} | costliest of ${f.runs.length} runs ${max.toFixed(2)} s of workerd CPU, an upper bound (${((100 * max) / CPU_LIMIT_S).toFixed(0)}% of 30 s), median ${median(f.runs.map((r) => r.cpuSeconds)).toFixed(2)} s; ${n(f.check.followUpMessages)} follow-ups, each eligible contact once${f.correct ? "" : " (**checks failed**)"} | ${met(ok)} |`;
}

export function followUpSection(f: FollowUps): string {
	const { runs, floor, repeat, seeded, limits, check } = f;
	const c = seeded.counts;
	const eligible = end(f, "eligible");
	const floorCpu = median(floor.map((r) => r.cpuSeconds));
	const first = runs[0] as CronRun;
	const costliest = runs.reduce((a, b) => (b.cpuSeconds > a.cpuSeconds ? b : a));
	const decided = sum(runs, (r) => r.decided);
	const totalCpu = sum(runs, (r) => r.cpuSeconds);
	const ms = (x: number) => `${(x * 1000).toFixed(1)} ms`;
	const s2 = (x: number) => x.toFixed(2);
	const pct = (x: number) => `${((100 * x) / CPU_LIMIT_S).toFixed(1)}%`;
	const times = (x: number) => `${(x / floorCpu).toFixed(0)}×`;
	// One row per kind of run: a single run's figures, or median (min–max) over several.
	const row = (name: string, rs: CronRun[], cpu: (x: number) => string = s2) => {
		const cell = (pick: (r: CronRun) => number, format: (x: number) => string) =>
			rs.length === 1 ? format(pick(rs[0] as CronRun)) : spreadWith(rs.map(pick), format);
		return `| ${name} | ${cell((r) => r.decided, n)} | ${cell((r) => r.queued, n)} | ${cell((r) => r.wallSeconds, s2)} | ${cell((r) => r.cpuSeconds, cpu)} | ${cell((r) => r.cpuSeconds, times)} | ${cell((r) => r.cpuSeconds, pct)} | ${cell((r) => r.d1Ms / 1000, s2)} | ${cell((r) => r.d1Statements, n)} | ${cell((r) => r.rowsRead, n)} | ${mib(Math.max(...rs.map((r) => r.peakRss)))} |`;
	};
	const byGroup = new Map<string, string[]>();
	for (const d of check.decisions) {
		const list = byGroup.get(d.grp) ?? [];
		list.push(`${d.status}${d.reason ? ` (${d.reason})` : ""} ${n(d.n)}`);
		byGroup.set(d.grp, list);
	}
	const groupRows = f.groups.map(
		(g) => `| ${g.name} | ${n(g.count)} | ${g.what} | ${byGroup.get(g.name)?.join(", ") ?? "never selected"} |`,
	);
	let decidedSoFar = 0;
	const perRun = [...runs, repeat].map((r, i) => {
		const line = `| ${i < runs.length ? i + 1 : "repeat"} | ${at(f, r.at)} | ${n(decidedSoFar)} | ${n(r.decided)} | ${n(r.queued)} | ${r.wallSeconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.d1Ms.toFixed(0)} | ${n(r.d1Statements)} in ${r.d1Batches} | ${n(r.queueSends)} | ${n(r.rowsRead)} | ${n(r.rowsWritten)} |`;
		decidedSoFar += r.decided;
		return line;
	});
	const scans = f.plan.filter((p) => /^SCAN /.test(p.detail));
	const sorts = f.plan.some((p) => /TEMP B-TREE/.test(p.detail));
	const distinct = check.decisions.reduce((s, d) => s + d.n, 0);
	const checks: [string, string, boolean][] = [
		["Follow-up messages written (kind = 'followup')", n(check.followUpMessages), check.followUpMessages === eligible],
		["… to distinct eligible contacts", n(check.toEligible), check.toEligible === eligible],
		["… to anyone else", n(check.toOthers), check.toOthers === 0],
		["Follow-up links minted", n(check.followUpLinks), check.followUpLinks === eligible],
		["Messages the cron put on the send queue", n(check.queueMessages), check.queueMessages === eligible],
		[
			"Messages the send consumer received (distinct; of them follow-up messages)",
			`${n(check.delivered)} (${n(check.deliveredDistinct)}; ${n(check.deliveredAreFollowUps)})`,
			check.delivered === eligible && check.deliveredDistinct === eligible && check.deliveredAreFollowUps === eligible,
		],
		["A run repeated at the last run's time: messages queued", n(repeat.queued), repeat.queued === 0],
		[
			"Eligible at the last run's time, by the same query (of them eligible at T0): the seed's margins held",
			`${n(check.eligibleAtLast)} (${n(check.eligibleAtLastSame)})`,
			check.eligibleAtLast === eligible && check.eligibleAtLastSame === eligible,
		],
	];
	const passedOverRows = repeat.rowsRead / decided;
	const passedOverUs = (repeat.cpuSeconds * 1e6) / decided;
	const passedOverD1S = repeat.d1Ms / 1000 / decided;
	return `## 4. Follow-up cron

**Data.** A fresh D1 in a Miniflare of its own (migrations applied), seeded through SQL in ${seeded.seconds.toFixed(0)} s (recursive CTEs
in \`bench/follow-ups.ts\`, ${mib(seeded.bytes)} on disk; the whole part took ${f.seconds.toFixed(0)} s): one workspace (frequency cap 24 h), one
campaign with its follow-up (after 24 h, window 48 h, a \`{link}\` message, links printed with \`follow_up_origin\`),
${n(c.contacts)} contacts with one campaign link each, **${n(c.clicks)} clicks** (${n(c.humanClicks)} human, the rest link
previews) with each link's counters (\`clicks\`, \`human_clicks\`, \`first_human_click_at\`, …) computed from them,
${n(c.messages)} delivered SMS (kind \`campaign\`: everyone's campaign SMS, and another campaign's to the capped
contacts) and ${n(c.purchases)} verified purchases. Times are relative to the first run's scheduled time T0
(${new Date(f.t0).toISOString()}), with hours of margin around the 24 h and 72 h edges.

| Contacts | How many | Seeded as | What the cron decided |
| --- | --- | --- | --- |
${groupRows.join("\n")}

Eligibility was checked after seeding by a query of its own that reads the raw clicks rather than the links'
counters (\`ORACLE\` in bench/follow-ups.ts): **${n(c.eligible)} eligible contacts at T0**, exactly the eligible group.
The first ${n(f.returning)} eligible contacts also have a verified purchase from before their tap, which must not hold them back.

**Runs.** Each run is the Worker's own \`scheduled\` handler, called as Cloudflare's trigger calls it
(\`(await mf.getWorker()).scheduled({ scheduledTime, cron })\`), at T0, T0 + 5 min, …, until a run decides fewer
than ${n(limits.perRun)} contacts (\`DEFAULT_LIMITS\`: pages of ${n(limits.pageSize)}, at most ${n(limits.perRun)} contacts decided per run). Every run is
the whole cron (\`runScheduled\`: raw-click retention, the stalled-send sweep, then the follow-ups). The send
queue's consumer is held while a run is measured, so the figures are the run's own: selecting, deciding, minting
links, claiming (follow_ups and messages rows) and queueing; between runs a bench consumer counts the messages and
acks them, and nothing is texted. CPU is the on-CPU time of workerd's threads over the run
(\`/proc/<pid>/task/*/schedstat\`, in ns; utime + stime agree within 10 ms): besides the Worker, workerd runs local
D1's SQLite and the queue broker, which in production run elsewhere and are not the Worker's CPU time, so it is an
upper bound of what Cloudflare would count. D1 SQL s is the duration D1 reports for the run's statements, summed
(mostly inside that CPU here; in production it is D1's time, not the Worker's). The floor is the same cron
with no follow-up switched on (\`follow_up_enabled = 0\`), ${floor.length} runs after one warm-up run, on the same D1. Peak RSS
is the whole workerd process sampled every 20 ms, SQLite's page cache of the ${mib(seeded.bytes)} database included; the
isolate's own heap (128 MB in production) is not measured apart, but a run holds one page of candidates at a time.

| | Decided | Queued | Wall s | workerd CPU s | CPU × floor | of the 30 s CPU limit | D1 SQL s | D1 statements | D1 rows read | Peak workerd RSS |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${row("First run (T0)", [first])}
${row(`Costliest run (run ${runs.indexOf(costliest) + 1})`, [costliest])}
${row(`All ${runs.length} runs, median (min–max)`, runs)}
${row("Floor: no follow-up switched on", floor, ms)}
${row("Repeat of the last run's time (nothing left to decide)", [repeat])}

**${runs.length} runs** (${((runs.length - 1) * 5).toFixed(0)} minutes of schedule) decided ${n(decided)} contacts and queued ${n(sum(runs, (r) => r.queued))}
follow-ups, in ${sum(runs, (r) => r.wallSeconds).toFixed(1)} s of wall time and ${totalCpu.toFixed(1)} s of workerd CPU (${((totalCpu * 1e6) / decided).toFixed(0)} µs per contact decided). The
costliest run used ${costliest.cpuSeconds.toFixed(2)} s of CPU, ${pct(costliest.cpuSeconds)} of the 30 s limit (${(CPU_LIMIT_S / costliest.cpuSeconds).toFixed(1)}× headroom), ${n(costliest.d1Statements)} D1 statements
(the limit is 1,000 queries per invocation) and ${n(costliest.queueSends)} \`sendBatch\` calls. The limit: Cloudflare's default of 30 s
of CPU per invocation, cron included, as wrangler.toml sets no \`limits.cpu_ms\` ("By default, Workers are still limited
to 30 seconds of CPU time", developers.cloudflare.com/changelog/2025-03-25-higher-cpu-limits). The number of runs
counts every candidate in range, not only the eligible: the ${n(end(f, "window passed"))} contacts whose window had closed have the
oldest first taps, so the first runs decide them (skipped, \`window_passed\`) and queue little; and ${n(decided - distinct)} of the
${n(decided)} decisions were second looks at opted-out contacts, which the cron looks at again hourly.

**Runs get dearer as contacts are decided.** Each run starts its range at the oldest first tap of the look-back
(72 h + 7 days) and reads past every contact already decided in it: the plan below is all index seeks, but a
decided contact is only dropped after its link's index entry, its contact row and its follow_ups row are read. Rows
read grow by about 3 per contact decided in earlier runs (column "Decided before" below), and so do D1 time and
CPU. The repeat run, which decides nothing, still reads ${n(repeat.rowsRead)} rows (${passedOverRows.toFixed(1)} per contact decided before it)
and costs ${repeat.cpuSeconds.toFixed(2)} s of workerd CPU, ${(repeat.d1Ms / 1000).toFixed(2)} s of it D1 SQL (${passedOverUs.toFixed(1)} µs per decided contact): every five minutes, for as long
as those contacts' first taps stay in the look-back (up to 9 days). It stays inside the limits here, and it reads no
clicks; but it scales with the contacts decided in the last 10 days, not with the page. At this machine's rate of
D1 time per passed-over contact, about ${(D1_QUERY_LIMIT_S / passedOverD1S / 1e6).toFixed(1)} million decided contacts in the look-back would make the first
CANDIDATES query of a run reach D1's 30 s query limit (developers.cloudflare.com/d1/platform/limits); and at this
size idle runs alone read ${n((repeat.rowsRead * 288) / 1e6)} million rows a day (288 runs), which D1 bills.

| Run | Scheduled | Decided before | Decided | Queued | Wall s | workerd CPU s | D1 SQL ms | D1 statements in batches | sendBatch calls | Rows read | Rows written |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${perRun.join("\n")}

**Query plan.** \`EXPLAIN QUERY PLAN\` of \`CANDIDATES\` (src/follow-ups/queries.ts), run through the Worker's D1
binding on the seeded database with the first page's parameters:

\`\`\`
${planTree(f.plan)}
\`\`\`

${scans.length === 0 ? "No table is scanned: one range of `links_by_first_human_tap` (campaign, first human tap, code), then one seek per candidate into contacts, follow_ups, purchases (`purchases_by_contact`) and messages (`messages_by_contact_created`). Clicks are not read at all." : `**Full scans in the plan:** ${scans.map((p) => `\`${p.detail}\``).join(", ")}.`} ${sorts ? "**The ORDER BY needs a sort (a temporary B-tree).**" : "The index also gives the ORDER BY (no temporary B-tree)."}

**Checks** after the last run:

| Check | Value | |
| --- | --- | --- |
${checks.map(([what, value, ok]) => `| ${what} | ${value} | ${ok ? "ok" : "**wrong**"} |`).join("\n")}
`;
}

function end(f: FollowUps, name: string): number {
	return f.groups.find((g) => g.name === name)?.count ?? 0;
}

/** The plan's rows as SQLite's shell prints them: a tree by parent id. */
function planTree(plan: FollowUps["plan"]): string {
	const lines: string[] = [];
	const walk = (parent: number, depth: number) => {
		for (const row of plan.filter((p) => p.parent === parent)) {
			lines.push(`${"   ".repeat(depth)}${depth === 0 ? "" : "`--"}${row.detail}`);
			walk(row.id, depth + 1);
		}
	};
	walk(0, 0);
	return `QUERY PLAN\n${lines.join("\n")}`;
}
