import { CAMPAIGN_STAGES } from "../db/schema";
import { revenueByCurrency } from "../purchases/money";
import { rate, revenuePer, splitBySureness } from "./campaign-stats";
import { readJourneyRows } from "./journey-queries";
import type { Journey } from "./schemas";

/** The workspace's campaigns grouped by journey stage, as GET /journey serves them and the dashboard draws them. */
export async function readJourney(d1: D1Database, workspaceId: string): Promise<Journey> {
	const {
		stages: stageRows,
		purchases: purchaseRows,
		contacts: contactRows,
		unattributed: unattributedRows,
		outside: outsideRows,
		messages: messageRows,
		attributionWindowDays,
	} = await readJourneyRows(d1, workspaceId);

	return {
		attributionWindowDays,
		stages: CAMPAIGN_STAGES.map((stage) => {
			const row = stageRows.find((r) => r.stage === stage);
			const bought = purchaseRows.filter((r) => r.stage === stage);
			const all = bought.filter((r) => r.currency === "*");
			const uniqueHumans = row?.uniqueHumans ?? 0;
			const purchasers = all.reduce((n, r) => n + r.purchasers, 0);
			const sent = messageRows.find((r) => r.stage === stage)?.sent ?? 0;
			const delivered = messageRows.find((r) => r.stage === stage)?.delivered ?? 0;
			const revenue = revenueByCurrency(bought.filter((r) => r.currency !== "*"));
			return {
				stage,
				campaigns: row?.campaigns ?? 0,
				links: row?.links ?? 0,
				clicks: { total: row?.clicks ?? 0, human: row?.humanClicks ?? 0, uniqueHumans },
				// Summed over the stage's campaigns: a contact who bought through two campaigns counts twice.
				purchasers,
				conversionRate: rate(purchasers, uniqueHumans),
				orders: all.reduce((n, r) => n + r.orders, 0),
				revenue,
				...splitBySureness(
					all,
					bought.filter((r) => r.currency !== "*"),
				),
				messages: { sent, delivered, deliveryRate: rate(delivered, sent) },
				conversionRateOnDelivered: rate(purchasers, delivered),
				revenuePerMessageSent: revenuePer(revenue, sent),
				/** Contacts whose own journey has reached this stage (a human tap: consideration; a purchase: purchase). */
				contacts: contactRows.find((r) => r.stage === stage)?.contacts ?? 0,
			};
		}),
		unattributed: {
			orders: unattributedRows.reduce((n, r) => n + r.orders, 0),
			revenue: revenueByCurrency(unattributedRows),
		},
		outsideWindow: {
			orders: outsideRows.filter((r) => r.currency === "*").reduce((n, r) => n + r.orders, 0),
			revenue: revenueByCurrency(outsideRows.filter((r) => r.currency !== "*" && r.orders !== 0)),
		},
	};
}

export type { Journey };
