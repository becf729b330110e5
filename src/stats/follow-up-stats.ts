import { fromMinor } from "../purchases/money";
import { type MessageFunnel, messageFunnel, rate, revenuePer } from "./campaign-stats";
import type { Cohort, FollowUpStatRows, MoneyRow } from "./follow-up-queries";

export const WAITING_REASONS = ["quiet_hours", "capped", "opted_out"] as const;
export const SKIP_REASONS = ["purchased", "opted_out", "window_passed"] as const;

interface Money {
	purchasers: number;
	orders: number;
	/** Revenue per currency, in major units: { USD: 49.9 }. */
	revenue: Record<string, number>;
}

/** One side of the recovery comparison. */
export interface CohortOutcome {
	contacts: number;
	purchasers: number;
	/** purchasers / contacts. */
	conversionRate: number | null;
	revenue: Record<string, number>;
	/** Revenue per currency divided by the contacts. */
	revenuePerContact: Record<string, number>;
}

/** What the campaign's follow-up did: who it was for, what became of the SMS, and what the contacts bought. */
export interface FollowUpStats {
	enabled: boolean;
	/** Contacts whose first tap made them due a follow-up and who had not bought or opted out: sent, held back or lapsed. */
	eligible: number;
	/** Contacts whose follow-up was sent (claimed and queued; the message funnel tells where it went from there). */
	sent: number;
	/** Contacts looked at again later, by what holds them back now. */
	waiting: Record<(typeof WAITING_REASONS)[number], number>;
	/** Contacts who get no follow-up, by why. */
	skipped: Record<(typeof SKIP_REASONS)[number], number>;
	/** The follow-up SMS, in the same funnel as the campaign's own. */
	messages: MessageFunnel;
	/** Follow-up links with a human tap. */
	tapped: number;
	/** tapped / sent. */
	clickThroughRate: number | null;
	/** Verified purchases attributed to a follow-up link within the workspace's attribution window. */
	purchases: Money & {
		attributionWindowDays: number;
		/** purchasers / tapped. */
		conversionRate: number | null;
		/** purchasers / messages delivered. */
		conversionRateOnDelivered: number | null;
		/** Revenue per currency divided by the messages sent. */
		revenuePerMessageSent: Record<string, number>;
	};
	/**
	 * Contacts who were sent a follow-up against eligible contacts who got none because of quiet hours or the
	 * frequency cap: each contact's verified purchases (whatever they are attributed to) from the moment the
	 * follow-up could first go, for the attribution window's days. Observational, not a randomised holdout.
	 */
	recovery: { days: number; followedUp: CohortOutcome; heldBack: CohortOutcome };
}

/** Purchasers, orders and revenue in major units from rows whose currency "*" carries the totals. */
function money(rows: MoneyRow[]): Money {
	const totals = rows.find((r) => r.currency === "*");
	return {
		purchasers: totals?.purchasers ?? 0,
		orders: totals?.orders ?? 0,
		revenue: Object.fromEntries(
			rows.filter((r) => r.currency !== "*").map((r) => [r.currency, fromMinor(r.revenueMinor, r.currency)]),
		),
	};
}

function cohortOutcome(rows: FollowUpStatRows, cohort: Cohort): CohortOutcome {
	const contacts = rows.decisions.filter((d) => d.cohort === cohort).reduce((n, d) => n + d.contacts, 0);
	const { purchasers, revenue } = money(rows.recovery.filter((r) => r.cohort === cohort));
	return {
		contacts,
		purchasers,
		conversionRate: rate(purchasers, contacts),
		revenue,
		revenuePerContact: revenuePer(revenue, contacts),
	};
}

/** Shapes the follow-up rows of one campaign into the `followUps` object of its stats. */
export function shapeFollowUpStats(
	rows: FollowUpStatRows,
	{ enabled, attributionWindowDays }: { enabled: boolean; attributionWindowDays: number },
): FollowUpStats {
	const waiting = Object.fromEntries(WAITING_REASONS.map((r) => [r, 0])) as FollowUpStats["waiting"];
	const skipped = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as FollowUpStats["skipped"];
	let sent = 0;
	let eligible = 0;
	for (const d of rows.decisions) {
		if (d.cohort) eligible += d.contacts;
		if (d.status === "sent") sent += d.contacts;
		else if (d.status === "waiting" && d.reason && d.reason in waiting) {
			waiting[d.reason as keyof typeof waiting] += d.contacts;
		} else if (d.status === "skipped" && d.reason && d.reason in skipped) {
			skipped[d.reason as keyof typeof skipped] += d.contacts;
		}
	}
	const messages = messageFunnel(
		rows.messages.map((m) => ({ variant: "", status: m.status, messages: m.messages })),
		[{ variant: "", ...rows.deliveredTaps }],
		null,
		rows.medianDeliveryToTapMs,
	);
	const tapped = rows.messages.reduce((n, m) => n + m.tapped, 0);
	const bought = money(rows.purchases);
	return {
		enabled,
		eligible,
		sent,
		waiting,
		skipped,
		messages,
		tapped,
		clickThroughRate: rate(tapped, sent),
		purchases: {
			attributionWindowDays,
			...bought,
			conversionRate: rate(bought.purchasers, tapped),
			conversionRateOnDelivered: rate(bought.purchasers, messages.delivered),
			revenuePerMessageSent: revenuePer(bought.revenue, messages.sent),
		},
		recovery: {
			days: attributionWindowDays,
			followedUp: cohortOutcome(rows, "followedUp"),
			heldBack: cohortOutcome(rows, "heldBack"),
		},
	};
}
