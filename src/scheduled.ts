import { runFollowUps } from "./follow-ups/run";
import { clearOldRawClickDetails, retentionDays } from "./maintenance/raw-click-retention";
import { sweepStalledSends } from "./messages/sweep";

/** The cron trigger. "Now" is the trigger's scheduled time, so a late or repeated run acts as of its own moment. */
export async function runScheduled(env: Env, now: number): Promise<void> {
	const cleared = await clearOldRawClickDetails(env.DB, now, retentionDays(env.RAW_CLICK_RETENTION_DAYS));
	if (cleared > 0) console.log(JSON.stringify({ msg: "raw click details cleared", cleared }));
	const swept = await sweepStalledSends(env, now);
	if (swept.requeued + swept.unknown > 0) console.log(JSON.stringify({ msg: "stalled sends swept", ...swept }));
	const followUps = await runFollowUps(env, now);
	if (followUps.considered > 0) console.log(JSON.stringify({ msg: "follow-ups", ...followUps }));
}
