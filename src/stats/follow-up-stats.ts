import type { z } from "zod";
import { fromMinor } from "../purchases/money";
import { messageFunnel, rate, revenuePer } from "./campaign-stats";
import type { Cohort, FollowUpStatRows, MoneyRow } from "./follow-up-queries";
import type * as schemas from "./schemas";

export const WAITING_REASONS = ["quiet_hours", "capped", "opted_out"] as const;
export const SKIP_REASONS = ["purchased", "opted_out", "window_passed"] as const;

interface Money {
	purchasers: number;
	orders: number;
	/** Revenue per currency, in major units: { USD: 49.9 }. */
	revenue: Record<string, number>;
}

export type CohortOutcome = z.infer<typeof schemas.CohortOutcome>;
export type FollowUpStats = z.infer<typeof schemas.FollowUpStats>;

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
