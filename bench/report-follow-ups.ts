// Part 4's section of bench/RESULTS.md: the follow-up cron over 1,000,000 clicks and 100,000 eligible contacts.
import { median, met, mib, n, spreadWith } from "./format.ts";
import type { Report } from "./types.ts";

type FollowUps = NonNullable<Report["followUps"]>;
type CronRun = FollowUps["runs"][number];

// Cloudflare's default CPU limit per invocation, cron included, when wrangler.toml sets no limits.cpu_ms (it does
// not): "By default, Workers are still limited to 30 seconds of CPU time" (developers.cloudflare.com/changelog/
// 2025-03-25-higher-cpu-limits; developers.cloudflare.com/workers/platform/limits, "CPU time").
const CPU_LIMIT_S = 30;
// What part 4 measured before the scan mark (commit 94c69f8), when every run read past every contact decided in the
// look-back: bench/RESULTS.md as of commit 3aa5aa7 (BENCH_PARTS=4 at that commit measures the same again).
const BEFORE_MARK = {
	perContact: 3,
	costliestRowsRead: 475_098,
	costliestCpuS: 3.09,
	repeatRowsRead: 410_014,
	repeatCpuS: 1.11,
};
/** Rows read per contact decided in earlier runs above which runs are said to still get dearer (it was 3.0). */
const GROWTH_PER_CONTACT = 0.5;
/** "Well inside": the costliest run uses at most a third of the limit. */
const HEADROOM = 3;
export const TARGET_FOLLOW_UP = "One follow-up cron run well inside the 30 s CPU limit";

const sum = (runs: CronRun[], pick: (r: CronRun) => number) => runs.reduce((s, r) => s + pick(r), 0);
const at = (f: FollowUps, t: number) => {
	const minutes = Math.round((t - f.t0) / 60_000);
	return minutes === 0 ? "T0" : `T0 ${minutes > 0 ? "+" : "−"} ${Math.abs(minutes)} min`;
};
/** A duration in hours and minutes: "25 h 55 min". */
const hm = (ms: number) => {
	const minutes = Math.round(Math.abs(ms) / 60_000);
	const h = Math.floor(minutes / 60);
	return h === 0 ? `${minutes % 60} min` : `${h} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
};
const atHm = (f: FollowUps, t: number) => (t === f.t0 ? "T0" : `T0 ${t > f.t0 ? "+" : "−"} ${hm(t - f.t0)}`);
/** Least-squares slope of y over x. */
const slope = (points: [number, number][]) => {
	const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
	const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
	const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
	return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
};
const selecting = (r: CronRun) => ({
	ms: r.selectNew.ms + r.selectDue.ms,
	rowsRead: r.selectNew.rowsRead + r.selectDue.rowsRead,
});

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
	const decidedBefore = new Map<CronRun, number>();
	const perRun = [...runs, repeat].map((r, i) => {
		decidedBefore.set(r, decidedSoFar);
		const sel = `${n(r.selectNew.ms + r.selectDue.ms)} (${n(r.selectNew.ms)} + ${n(r.selectDue.ms)})`;
		const selRows = `${n(r.selectNew.rowsRead + r.selectDue.rowsRead)} (${n(r.selectNew.rowsRead)} + ${n(r.selectDue.rowsRead)})`;
		const line = `| ${i < runs.length ? i + 1 : "repeat"} | ${at(f, r.at)} | ${n(decidedSoFar)} | ${n(r.decided)} | ${n(r.queued)} | ${r.wallSeconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.d1Ms.toFixed(0)} | ${sel} | ${n(r.d1Statements)} in ${r.d1Batches} | ${n(r.queueSends)} | ${n(r.rowsRead)} | ${selRows} | ${n(r.rowsWritten)} |`;
		decidedSoFar += r.decided;
		return line;
	});
	const distinct = check.decisions.reduce((s, d) => s + d.n, 0);
	const mark = check.markAfterLast;
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
		["Eligible contacts without a follow_ups row", n(check.eligibleUndecided), check.eligibleUndecided === 0],
		[
			"The campaign's scan mark (`follow_up_scanned_until`) before the first run",
			check.markAtStart === null ? "not set" : atHm(f, check.markAtStart),
			check.markAtStart === null,
		],
		[
			`… after the last run, whose range of first taps ends at ${atHm(f, check.lastRangeEnd)}`,
			mark === null ? "not set" : `${atHm(f, mark)} (${hm(check.lastRangeEnd - mark)} before that end)`,
			mark !== null && mark <= check.lastRangeEnd,
		],
		[
			"Contacts with a first human tap in the look-back before the mark and no follow_ups row",
			check.undecidedBeforeMark < 0 ? "—" : n(check.undecidedBeforeMark),
			check.undecidedBeforeMark === 0,
		],
	];
	// The runs that did the same work (a full page budget, mostly sends), whose cost should not depend on how many
	// contacts were decided before them; the first runs decide the closed windows, which cost less.
	const maxQueued = Math.max(...runs.map((r) => r.queued));
	const full = runs.filter((r) => r.decided === limits.perRun);
	const steadyRuns = full.filter((r) => r.queued >= 0.9 * maxQueued);
	const steady = steadyRuns.length >= 2 ? steadyRuns : full.length >= 2 ? full : runs;
	const s0 = steady[0] as CronRun;
	const s1 = steady.at(-1) as CronRun;
	const runNo = (r: CronRun) => runs.indexOf(r) + 1;
	const growth = slope(steady.map((r) => [decidedBefore.get(r) ?? 0, r.rowsRead]));
	const selGrowth = slope(steady.map((r) => [decidedBefore.get(r) ?? 0, selecting(r).rowsRead]));
	const grows = growth > GROWTH_PER_CONTACT;
	const perK = (x: number) => `${x >= 0 ? "" : "−"}${n(Math.abs(x * 1000))}`;
	const fromTo = (pick: (r: CronRun) => number, format: (x: number) => string) =>
		`${format(pick(s0))} in run ${runNo(s0)} and ${format(pick(s1))} in run ${runNo(s1)}`;
	const selMsRange = spreadWith(
		steady.map((r) => selecting(r).ms),
		(x) => `${n(x)} ms`,
	);
	const rest = (r: CronRun) => r.d1Ms - selecting(r).ms;
	const secs = (x: number) => `${x.toFixed(2)} s`;
	const msN = (x: number) => `${n(x)} ms`;
	const rises = (pick: (r: CronRun) => number) => pick(s1) > 1.15 * pick(s0);
	const costPerRun = [
		grows
			? "**Runs still get dearer as contacts are decided.**"
			: "**Runs no longer read the contacts decided before them.**",
		"New contacts are read from the campaign's scan mark (`campaigns.follow_up_scanned_until`: every contact whose",
		"first human tap is before it has a follow_ups row), not from the start of the look-back (72 h + 7 days). After a",
		"campaign's scan the run moves the mark to the first tap it stopped at or, when it read to the end of its range, to",
		"3 hours before that end (the run's time − 24 h − 3 h), so that a tap the events queue stored late is still found;",
		"a contact decided already is passed over on the follow_ups primary key before their contact row is read. Contacts",
		"left waiting (opted out, capped, quiet hours) come from their own partial index, `follow_ups_waiting`, by retry",
		`time. Runs ${runNo(s0)}–${runNo(s1)} each decided ${n(limits.perRun)} contacts and queued about ${n(median(steady.map((r) => r.queued)))}, with ${n(decidedBefore.get(s0) ?? 0)} to ${n(decidedBefore.get(s1) ?? 0)}`,
		`contacts decided before them: rows read were ${fromTo((r) => r.rowsRead, n)}, ${perK(growth)} more per`,
		`1,000 contacts decided earlier (before the scan mark: ${n(BEFORE_MARK.perContact * 1000)}); the two selections read ${fromTo((r) => selecting(r).rowsRead, n)}`,
		`(${perK(selGrowth)} per 1,000), in ${selMsRange} of D1 time a run. The costliest run read ${n(costliest.rowsRead)} rows and used`,
		`${secs(costliest.cpuSeconds)} of workerd CPU (before: ${n(BEFORE_MARK.costliestRowsRead)} rows, ${secs(BEFORE_MARK.costliestCpuS)}). The repeat run, which decides nothing, reads ${n(repeat.rowsRead)}`,
		`rows, ${n(selecting(repeat).rowsRead)} of them selecting, in ${ms(repeat.cpuSeconds)} of workerd CPU (before: ${n(BEFORE_MARK.repeatRowsRead)} rows, ${secs(BEFORE_MARK.repeatCpuS)}).`,
		`In this seed ${check.tappedAfterMark === 0 ? "no" : n(check.tappedAfterMark)} first ${check.tappedAfterMark === 1 ? "tap falls" : "taps fall"} in the 3 hours behind the mark (between the mark and the end of the`,
		"last run's range), so the repeat run shows an idle run with nothing new to read; with taps coming in all day, each",
		"run also passes over the contacts whose first tap is in those 3 hours, about two index reads each, and each such",
		"contact is passed over by the 36 five-minute runs of those 3 hours.",
		rises((r) => r.cpuSeconds) || rises(rest)
			? [
					`What still rises over runs ${runNo(s0)}–${runNo(s1)} is workerd CPU (${fromTo((r) => r.cpuSeconds, secs)}) and the D1 time`,
					`outside the selections, in the write batches that record decisions, mint links and write messages (${fromTo(rest, msN)}),`,
					`while rows written stay level (${fromTo((r) => r.rowsWritten, n)}): the tables and indexes these batches`,
					`insert into grow with every run (follow_ups from none to ${n(distinct)} rows here).`,
				].join("\n")
			: `Workerd CPU (${fromTo((r) => r.cpuSeconds, secs)}) and the D1 time outside the selections (${fromTo(rest, msN)}) stay level too.`,
	].join("\n");
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

${costPerRun}

| Run | Scheduled | Decided before | Decided | Queued | Wall s | workerd CPU s | D1 SQL ms | of it selecting (new + due) | D1 statements in batches | sendBatch calls | Rows read | of them selecting (new + due) | Rows written |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${perRun.join("\n")}

**Query plans.** \`EXPLAIN QUERY PLAN\` of the cron's two selections (src/follow-ups/queries.ts), as \`newCandidatesQuery\`
and \`dueCandidatesQuery\` bind them, run through the Worker's D1 binding on the seeded database with the first run's
parameters (\`POST /__bench/plan/new\` and \`/due\`). New contacts, \`NEW_CANDIDATES\` (from the scan mark, or the start
of the look-back when there is none):

\`\`\`
${planTree(f.plans.new)}
\`\`\`

${planVerdict(f.plans.new)}${passedOverFirst(f.plans.new)}

Waiting contacts whose retry time has come, \`DUE_CANDIDATES\`:

\`\`\`
${planTree(f.plans.due)}
\`\`\`

${planVerdict(f.plans.due)}

**Checks** after the last run:

| Check | Value | |
| --- | --- | --- |
${checks.map(([what, value, ok]) => `| ${what} | ${value} | ${ok ? "ok" : "**wrong**"} |`).join("\n")}
`;
}

function end(f: FollowUps, name: string): number {
	return f.groups.find((g) => g.name === name)?.count ?? 0;
}

type Plan = FollowUps["plans"]["new"];

/** What a plan does: full scans, a sort for the ORDER BY, and the indexes it searches, in its order. */
function planVerdict(plan: Plan): string {
	const scans = plan.filter((p) => /^SCAN /.test(p.detail));
	const sorts = plan.filter((p) => /TEMP B-TREE/.test(p.detail));
	const searches = plan.flatMap((p) => {
		const m = /^SEARCH (\S+) USING (COVERING INDEX|INDEX|INTEGER PRIMARY KEY|PRIMARY KEY) ?(\S*)(?: \((.*)\))?/.exec(
			p.detail,
		);
		if (!m) return [];
		const [, table, how, index, on] = m;
		const name = index ? `\`${index}\`` : `the ${how?.toLowerCase()}`;
		const range = on && /[<>]/.test(on) ? "a range" : "a seek";
		return [`${name} (${table}, ${range}${how === "COVERING INDEX" ? ", covering: the table row is not read" : ""})`];
	});
	return [
		scans.length === 0
			? "**No SCAN**: no table or index is read through."
			: `**Full scans:** ${scans.map((p) => `\`${p.detail}\``).join(", ")}.`,
		sorts.length === 0
			? "**No temporary B-tree**: the index gives the ORDER BY."
			: `**A temporary B-tree** (${sorts.map((p) => `\`${p.detail}\``).join(", ")}).`,
		`Indexes, in the plan's order: ${searches.join("; ")}.`,
	].join(" ");
}

/** Whether the plan looks a candidate's follow_ups row up (alias f) before their contact row (alias c). */
function passedOverFirst(plan: Plan): string {
	const f = plan.findIndex((p) => /^SEARCH f /.test(p.detail));
	const c = plan.findIndex((p) => /^SEARCH c /.test(p.detail));
	if (f < 0 || c < 0) return "";
	return f < c
		? " follow_ups comes before contacts, so a contact decided already is dropped before their contact row is read."
		: " **contacts comes before follow_ups**: a contact decided already is dropped only after their contact row is read.";
}

/** The plan's rows as SQLite's shell prints them: a tree by parent id. */
function planTree(plan: Plan): string {
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
