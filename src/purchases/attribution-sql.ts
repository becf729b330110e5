import { DAY_MS } from "../time";

/**
 * A purchase (row alias `p`) counts under an attribution window of `days` days (an SQL expression) when it carried
 * its click id, or when its lag since the contact's last human tap fits the window. `attribute` stores the lag; this
 * is the one place that reads it against a window.
 */
export function inAttributionWindow(p: string, days: string): string {
	return `(${p}.attributed_by = 'click_id' OR ${p}.lag_ms <= ${days} * ${DAY_MS})`;
}

/** The attribution window, in days, of the workspace whose id is the SQL expression `workspaceId` (a parameter). */
export function workspaceWindowDays(workspaceId: string): string {
	return `(SELECT attribution_window_days FROM workspaces WHERE id = ${workspaceId})`;
}
