import { CAMPAIGN_STAGES } from "../db/schema";
import { revenueByCurrency } from "../purchases/money";
import { rate, revenuePer } from "./campaign-stats";
import { DELIVERED, REACHED_CARRIER } from "./delivery-sql";
import type { Journey } from "./schemas";

interface StageRow {
	stage: string;
	campaigns: number;
	links: number;
	clicks: number;
	humanClicks: number;
	uniqueHumans: number;
}

interface MoneyRow {
	currency: string;
	orders: number;
	revenueMinor: number;
}

/** The workspace's campaigns grouped by journey stage, as GET /journey serves them and the dashboard draws them. */
export async function readJourney(d1: D1Database, workspaceId: string): Promise<Journey> {
	const [stages, purchases, contacts, unattributed, workspace, outside, messages] = await d1.batch<
		Record<string, unknown>
	>([
		d1
			.prepare(
				`SELECT c.stage, count(*) AS campaigns,
				        sum((SELECT count(*) FROM links l WHERE l.campaign_id = c.id)) AS links,
				        sum(coalesce(s.clicks, 0)) AS clicks, sum(coalesce(s.human_clicks, 0)) AS humanClicks,
				        sum(coalesce(s.unique_humans, 0)) AS uniqueHumans
				 FROM campaigns c
				 LEFT JOIN campaign_stats s ON s.campaign_id = c.id AND s.dimension = 'total' AND s.value = ''
				 WHERE c.workspace_id = ?1 GROUP BY c.stage`,
			)
			.bind(workspaceId),
		d1
			.prepare(
				`SELECT c.stage, p.currency, sum(p.orders) AS orders, sum(p.revenue_minor) AS revenueMinor,
				        sum(p.purchasers) AS purchasers
				 FROM campaigns c
				 JOIN workspaces w ON w.id = c.workspace_id
				 JOIN campaign_purchase_stats p ON p.campaign_id = c.id AND p.window_days = w.attribution_window_days
				 WHERE c.workspace_id = ?1 GROUP BY c.stage, p.currency`,
			)
			.bind(workspaceId),
		d1
			.prepare(
				"SELECT coalesce(stage, 'awareness') AS stage, count(*) AS contacts FROM contacts WHERE workspace_id = ?1 GROUP BY 1",
			)
			.bind(workspaceId),
		d1
			.prepare(
				`SELECT currency, count(*) AS orders, sum(value_minor) AS revenueMinor FROM purchases
				 WHERE workspace_id = ?1 AND campaign_id IS NULL GROUP BY currency`,
			)
			.bind(workspaceId),
		d1.prepare("SELECT attribution_window_days AS days FROM workspaces WHERE id = ?1").bind(workspaceId),
		// Attributed to a tap older than the workspace's window (up to 90 days): the 90-day counts minus the
		// window's. Shown so that no purchase disappears from the report.
		d1
			.prepare(
				`SELECT p.currency, sum(iif(p.window_days = 90, p.orders, -p.orders)) AS orders,
				        sum(iif(p.window_days = 90, p.revenue_minor, -p.revenue_minor)) AS revenueMinor
				 FROM campaigns c
				 JOIN workspaces w ON w.id = c.workspace_id
				 JOIN campaign_purchase_stats p ON p.campaign_id = c.id AND p.window_days IN (90, w.attribution_window_days)
				 WHERE c.workspace_id = ?1 AND w.attribution_window_days <> 90
				 GROUP BY p.currency`,
			)
			.bind(workspaceId),
		// The campaigns' own messages (not follow-ups) that reached the carrier, and those delivered.
		d1
			.prepare(
				`SELECT c.stage, sum(${REACHED_CARRIER}) AS sent, sum(${DELIVERED}) AS delivered
				 FROM campaigns c JOIN messages m ON m.campaign_id = c.id AND m.kind = 'campaign'
				 WHERE c.workspace_id = ?1 GROUP BY c.stage`,
			)
			.bind(workspaceId),
	]);
	const stageRows = (stages?.results ?? []) as unknown as StageRow[];
	const purchaseRows = (purchases?.results ?? []) as unknown as {
		stage: string;
		currency: string;
		orders: number;
		revenueMinor: number;
		purchasers: number;
	}[];
	const contactRows = (contacts?.results ?? []) as unknown as { stage: string; contacts: number }[];
	const unattributedRows = (unattributed?.results ?? []) as unknown as MoneyRow[];
	const outsideRows = (outside?.results ?? []) as unknown as MoneyRow[];
	const messageRows = (messages?.results ?? []) as unknown as { stage: string; sent: number; delivered: number }[];

	return {
		attributionWindowDays: Number(workspace?.results[0]?.days ?? 7),
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
