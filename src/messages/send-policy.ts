import { normalisePhone } from "../contacts/phone";
import { DAY_MS } from "../time";
import type { OutgoingMessage } from "./queries";
import { sendableAt } from "./quiet-hours";

// What to do with one claimed SMS when its queue message comes in, and how long to hold a send back: pure rules,
// tested without bindings (test/unit/send-policy.test.ts); consume-sends.ts applies them.

// Queues delay a message by at most 12 hours; a send deferred longer is deferred again when it comes back.
export const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Seconds to hold a send back so that it arrives inside the recipient's sending hours (0: now). */
export function quietDelaySeconds(now: number, contact: { phone: string; timezone: string | null }): number {
	const at = sendableAt(now, contact);
	return at <= now ? 0 : Math.min(MAX_DELAY_SECONDS, Math.ceil((at - now) / 1000));
}

// Twilio keeps a message queued for at most 10 hours (ValidityPeriod 36000 s).
const MAX_VALIDITY_SECONDS = 36_000;

/**
 * Seconds from `now` (inside the sending hours) until they close, capped at Twilio's 10 hours. Passed as the
 * message's ValidityPeriod, so that a backlog in Twilio's queue cannot deliver it at night: it expires instead.
 * Sending hours last at most 13 hours and quiet ones at least 11, so the open stretch from `now` is one interval
 * and a binary search over minutes finds its end.
 */
export function secondsUntilQuiet(now: number, contact: { phone: string; timezone: string | null }): number {
	const open = (t: number) => sendableAt(t, contact) <= t;
	let lo = 0;
	let hi = MAX_VALIDITY_SECONDS / 60;
	if (open(now + hi * 60_000)) return MAX_VALIDITY_SECONDS;
	while (hi - lo > 1) {
		const mid = Math.floor((lo + hi) / 2);
		if (open(now + mid * 60_000)) lo = mid;
		else hi = mid;
	}
	return Math.max(60, hi * 60);
}

export type Verdict =
	| { action: "ack" }
	| { action: "cancel"; reason: CancelReason }
	| { action: "defer"; delaySeconds: number }
	| { action: "send"; row: OutgoingMessage & { phone: string; body: string } };

export type CancelReason =
	| "erased"
	| "opted_out"
	| "purchased"
	| "window_passed"
	// The workspace's send limits, checked when the sender claims the message.
	| "country_not_allowed"
	| "daily_cap_reached";

/** `holdBack`: whether quiet hours and the cap defer a send (not for the outbox, which texts nobody). */
export function judge(row: OutgoingMessage | undefined, now: number, holdBack: boolean): Verdict {
	// Gone, or claimed by an earlier delivery of this queue message: never sent twice.
	if (row?.status !== "pending") return { action: "ack" };
	if (row.erased || !row.phone || !row.body) return { action: "cancel", reason: "erased" };
	if (row.optedOut) return { action: "cancel", reason: "opted_out" };
	// A follow-up is for contacts who have not bought, and only within its window.
	if (row.purchasedSinceTap) return { action: "cancel", reason: "purchased" };
	if (row.followUpClosesAt !== null && now > row.followUpClosesAt) return { action: "cancel", reason: "window_passed" };
	// The frequency cap: another SMS went out since the follow-up was picked (say, a campaign send).
	if (holdBack && row.capEndsAt !== null && row.capEndsAt > now) {
		return { action: "defer", delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil((row.capEndsAt - now) / 1000)) };
	}
	const delaySeconds = holdBack ? quietDelaySeconds(now, { phone: row.phone, timezone: row.timezone }) : 0;
	if (delaySeconds > 0) return { action: "defer", delaySeconds };
	return { action: "send", row: { ...row, phone: row.phone, body: row.body } };
}

/** Whether a number may be texted under a workspace's allowed-countries list (null: any; an unknown country: no). */
export function countryAllowed(phone: string, allowed: readonly string[] | null): boolean {
	if (allowed === null) return true;
	const parsed = normalisePhone(phone);
	return parsed.ok && parsed.country !== null && allowed.includes(parsed.country);
}

/** Seconds until the next UTC day, when the daily cap opens again (at most the queue's 12 hours). */
export function secondsUntilNextDay(now: number): number {
	return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000)));
}
