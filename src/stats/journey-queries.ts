import { batch, query, type Rows } from "../db/sql";
import { DELIVERED, REACHED_CARRIER } from "./delivery-sql";

type Workspace = [workspaceId: string];
type Stage = Rows["campaigns"]["stage"];
type MoneyRow = { currency: string; orders: number; revenueMinor: number };

const STAGES = query<
	{ stage: Stage; campaigns: number; links: number; clicks: number; humanClicks: number; uniqueHumans: number },
	Workspace
>(
	`SELECT c.stage, count(*) AS campaigns,
	        sum((SELECT count(*) FROM links l WHERE l.campaign_id = c.id)) AS links,
	        sum(coalesce(s.clicks, 0)) AS clicks, sum(coalesce(s.human_clicks, 0)) AS humanClicks,
	        sum(coalesce(s.unique_humans, 0)) AS uniqueHumans
	 FROM campaigns c
	 LEFT JOIN campaign_stats s ON s.campaign_id = c.id AND s.dimension = 'total' AND s.value = ''
	 WHERE c.workspace_id = ?1 GROUP BY c.stage`,
);
const PURCHASES_BY_STAGE = query<
	MoneyRow & { stage: Stage; purchasers: number; pixelOrders: number; pixelRevenueMinor: number },
	Workspace
>(
	`SELECT c.stage, p.currency, sum(p.orders) AS orders, sum(p.revenue_minor) AS revenueMinor,
	        sum(p.purchasers) AS purchasers, sum(p.pixel_orders) AS pixelOrders,
	        sum(p.pixel_revenue_minor) AS pixelRevenueMinor
	 FROM campaigns c
	 JOIN workspaces w ON w.id = c.workspace_id
	 JOIN campaign_purchase_stats p ON p.campaign_id = c.id AND p.window_days = w.attribution_window_days
	 WHERE c.workspace_id = ?1 GROUP BY c.stage, p.currency`,
);
// A contact with no stage yet is at awareness.
const CONTACTS_BY_STAGE = query<{ stage: Stage; contacts: number }, Workspace>(
	"SELECT coalesce(stage, 'awareness') AS stage, count(*) AS contacts FROM contacts WHERE workspace_id = ?1 GROUP BY 1",
);
const UNATTRIBUTED = query<MoneyRow, Workspace>(
	`SELECT currency, count(*) AS orders, sum(value_minor) AS revenueMinor FROM purchases
	 WHERE workspace_id = ?1 AND campaign_id IS NULL GROUP BY currency`,
);
const ATTRIBUTION_WINDOW = query<{ days: number }, Workspace>(
	"SELECT attribution_window_days AS days FROM workspaces WHERE id = ?1",
);
// Attributed to a tap older than the workspace's window (up to 90 days): the 90-day counts minus the
// window's. Shown so that no purchase disappears from the report.
const OUTSIDE_WINDOW = query<MoneyRow, Workspace>(
	`SELECT p.currency, sum(iif(p.window_days = 90, p.orders, -p.orders)) AS orders,
	        sum(iif(p.window_days = 90, p.revenue_minor, -p.revenue_minor)) AS revenueMinor
	 FROM campaigns c
	 JOIN workspaces w ON w.id = c.workspace_id
	 JOIN campaign_purchase_stats p ON p.campaign_id = c.id AND p.window_days IN (90, w.attribution_window_days)
	 WHERE c.workspace_id = ?1 AND w.attribution_window_days <> 90
	 GROUP BY p.currency`,
);
// The campaigns' own messages (not follow-ups) that reached the carrier, and those delivered.
const MESSAGES_BY_STAGE = query<{ stage: Stage; sent: number; delivered: number }, Workspace>(
	`SELECT c.stage, sum(${REACHED_CARRIER}) AS sent, sum(${DELIVERED}) AS delivered
	 FROM campaigns c JOIN messages m ON m.campaign_id = c.id AND m.kind = 'campaign'
	 WHERE c.workspace_id = ?1 GROUP BY c.stage`,
);

/** What the journey is computed from, in one D1 batch. */
export async function readJourneyRows(d1: D1Database, workspaceId: string) {
	const [stages, purchases, contacts, unattributed, workspace, outside, messages] = await batch(d1, [
		STAGES.bind(d1, workspaceId),
		PURCHASES_BY_STAGE.bind(d1, workspaceId),
		CONTACTS_BY_STAGE.bind(d1, workspaceId),
		UNATTRIBUTED.bind(d1, workspaceId),
		ATTRIBUTION_WINDOW.bind(d1, workspaceId),
		OUTSIDE_WINDOW.bind(d1, workspaceId),
		MESSAGES_BY_STAGE.bind(d1, workspaceId),
	]);
	return {
		stages: stages.results,
		purchases: purchases.results,
		contacts: contacts.results,
		unattributed: unattributed.results,
		attributionWindowDays: workspace.results[0]?.days ?? 7,
		outside: outside.results,
		messages: messages.results,
	};
}
