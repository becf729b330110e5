import { config } from "./config";
import { runFollowUps } from "./follow-ups/run";
import { clearOldRawClickDetails } from "./maintenance/raw-click-retention";
import { sweepStalledSends } from "./messages/sweep";
import { MINUTE_MS } from "./time";

/** What a cron job is given: the trigger's scheduled time, and how often the trigger fires. */
export interface CronTick {
	/** The trigger's scheduled time: a late or repeated run acts as of its own moment. */
	now: number;
	/** The trigger's interval, read from its cron expression (null when it has no fixed one). */
	intervalMs: number | null;
}

interface CronJob {
	name: string;
	/** Answers counts worth a log line, or nothing when there was nothing to do. */
	run: (env: Env, tick: CronTick) => Promise<Record<string, unknown> | null>;
}

// Each job selects a window as of `now` and claims what it acts on, so none assumes it runs once, on time, or
// alone: runs may be late, repeated or overlap.
export const CRON_JOBS: CronJob[] = [
	{
		name: "raw click retention",
		run: async (env, { now }) => {
			const cleared = await clearOldRawClickDetails(env.DB, now, config(env).rawClickRetentionDays);
			return cleared > 0 ? { cleared } : null;
		},
	},
	{
		name: "stalled sends sweep",
		run: async (env, { now }) => {
			const swept = await sweepStalledSends(env, now);
			return swept.requeued + swept.unknown > 0 ? swept : null;
		},
	},
	{
		name: "follow-ups",
		run: async (env, { now }) => {
			const summary = await runFollowUps(env, now);
			return summary.considered > 0 ? { ...summary } : null;
		},
	},
];

/**
 * The cron trigger: every job in turn, each isolated from the others. A job that throws is logged and the next one
 * runs; once all have run, the failures are thrown together so the invocation shows as failed.
 */
export async function runScheduled(env: Env, now: number, cron = "", jobs: CronJob[] = CRON_JOBS): Promise<void> {
	const tick: CronTick = { now, intervalMs: cronIntervalMs(cron) };
	const failures: unknown[] = [];
	for (const job of jobs) {
		try {
			const outcome = await job.run(env, tick);
			if (outcome) console.log(JSON.stringify({ msg: job.name, ...outcome }));
		} catch (err) {
			failures.push(err);
			console.error(JSON.stringify({ msg: "cron job failed", job: job.name, error: String(err) }));
		}
	}
	if (failures.length > 0) throw new AggregateError(failures, `${failures.length} cron job(s) failed`);
}

/**
 * How often a cron expression fires, for the shapes that fire at a fixed interval: every N minutes ("*\/N * * * *",
 * "* * * * *"), every N hours ("M *\/N * * *", "M * * * *") and daily ("M H * * *"). Null for anything else.
 */
export function cronIntervalMs(cron: string): number | null {
	const fields = cron.trim().split(/\s+/);
	if (fields.length !== 5) return null;
	const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
	if (day !== "*" || month !== "*" || weekday !== "*") return null;
	const every = (field: string) => (field === "*" ? 1 : /^\*\/([1-9]\d*)$/.exec(field)?.[1]);
	const fixed = /^\d{1,2}$/;
	const minutes = every(minute);
	if (minutes !== undefined && hour === "*") return Number(minutes) * MINUTE_MS;
	const hours = every(hour);
	if (fixed.test(minute) && hours !== undefined) return Number(hours) * 60 * MINUTE_MS;
	if (fixed.test(minute) && fixed.test(hour)) return 24 * 60 * MINUTE_MS;
	return null;
}
