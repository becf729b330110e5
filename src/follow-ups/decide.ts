// What the follow-up cron decides about one contact, apart from reading and writing them: pure, so that every rule
// (bought, window passed, opted out, capped, quiet hours) is unit-tested without bindings (test/unit/follow-up-decide).
import type { FollowUpReason } from "../db/schema";
import { sendableAt } from "../messages/quiet-hours";
import { HOUR_MS } from "../time";
import type { Candidate, Decision, FollowUpCampaign } from "./queries";

// An opted-out contact is looked at again hourly while their window is open: a START brings them back.
const OPTED_OUT_RECHECK_MS = HOUR_MS;

/** The hours a follow-up may go out for a contact: from afterHours after the first tap, for windowHours. */
export function followUpWindow(
	firstTapAt: number,
	campaign: Pick<FollowUpCampaign, "afterHours" | "windowHours">,
): { opens: number; closes: number } {
	const opens = firstTapAt + campaign.afterHours * HOUR_MS;
	return { opens, closes: opens + campaign.windowHours * HOUR_MS };
}

/** What to do about one contact now: text them, wait (until when, and why), or skip them for good. */
export function decide(
	candidate: Candidate,
	campaign: Pick<FollowUpCampaign, "afterHours" | "windowHours" | "frequencyCapHours">,
	now: number,
	quietHours: boolean,
): Pick<Decision, "status" | "reason" | "heldBy" | "retryAt"> {
	const { closes } = followUpWindow(candidate.firstTapAt, campaign);
	const skip = (reason: FollowUpReason, heldBy: FollowUpReason | null = null) =>
		({ status: "skipped", reason, heldBy, retryAt: null }) as const;
	const wait = (reason: FollowUpReason, retryAt: number) =>
		({ status: "waiting", reason, heldBy: null, retryAt }) as const;

	// What kept the contact waiting until now stays on record, so that the stats can compare the contacts whom quiet
	// hours or the cap held back (and who then bought, or not) with those who were texted.
	const heldBy = candidate.waitingOn === "quiet_hours" || candidate.waitingOn === "capped" ? candidate.waitingOn : null;
	if (candidate.purchased) return skip("purchased", heldBy);
	if (now > closes) {
		if (candidate.optedOut || candidate.waitingOn === "opted_out") return skip("opted_out", heldBy);
		return skip("window_passed", heldBy);
	}
	if (candidate.optedOut) return wait("opted_out", now + OPTED_OUT_RECHECK_MS);
	const capEnds =
		candidate.lastMessageAt === null ? null : candidate.lastMessageAt + campaign.frequencyCapHours * HOUR_MS;
	if (capEnds !== null && capEnds > now) return wait("capped", capEnds);
	if (quietHours) {
		const opensAt = sendableAt(now, candidate);
		if (opensAt > now) return wait("quiet_hours", opensAt);
	}
	return { status: "sent", reason: null, heldBy: null, retryAt: null };
}
