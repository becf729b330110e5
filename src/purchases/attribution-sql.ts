import { DAY_MS } from "../time";

/**
 * A purchase (row alias `p`) counts under an attribution window of `days` days (an SQL expression) when its lag
 * since the click it is attributed to fits the window, whether it carried that click's id or was matched to the
 * contact's last human tap: a click id names the click, it does not stretch the window. `attribute` stores the lag;
 * this is the one place that reads it against a window. An unattributed purchase (lag NULL) counts under none.
 */
export function inAttributionWindow(p: string, days: string): string {
	return `(${p}.lag_ms IS NOT NULL AND ${p}.lag_ms <= ${days} * ${DAY_MS})`;
}

/** The attribution window, in days, of the workspace whose id is the SQL expression `workspaceId` (a parameter). */
export function workspaceWindowDays(workspaceId: string): string {
	return `(SELECT attribution_window_days FROM workspaces WHERE id = ${workspaceId})`;
}

/**
 * Whether a purchase (row alias `p`) counts as a purchase of its contact for follow-up suppression and journey
 * stages, under its workspace's `counted_purchases` setting: a server API or Shopify report always; a pixel report
 * (unsigned) only under "confirmed_or_pixel", and only when it was credited to a human tap (verified) inside the
 * workspace's attribution window. The one place this rule is written.
 */
export function countsAsPurchase(p: string): string {
	return `(${p}.source <> 'pixel' OR (${p}.verified = 1
	  AND (SELECT counted_purchases FROM workspaces WHERE id = ${p}.workspace_id) = 'confirmed_or_pixel'
	  AND ${inAttributionWindow(p, workspaceWindowDays(`${p}.workspace_id`))}))`;
}
