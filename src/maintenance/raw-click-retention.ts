import { DAY_MS } from "../time";

const PAGE = 1000;
const MAX_PAGES_PER_RUN = 20;

/**
 * Clears the raw user agent and referer of clicks older than the retention period; the parsed fields (device, OS,
 * browser, country) and every count stay. Works in pages so a run stays short; a backlog drains over later runs.
 */
export async function clearOldRawClickDetails(d1: D1Database, now: number, days: number): Promise<number> {
	const cutoff = now - days * DAY_MS;
	let cleared = 0;
	for (let page = 0; page < MAX_PAGES_PER_RUN; page++) {
		const result = await d1
			.prepare(
				`UPDATE clicks SET user_agent = NULL, referer = NULL
				 WHERE id IN (SELECT id FROM clicks
				              WHERE (user_agent IS NOT NULL OR referer IS NOT NULL) AND clicked_at < ?1 LIMIT ?2)`,
			)
			.bind(cutoff, PAGE)
			.run();
		cleared += result.meta.changes;
		if (result.meta.changes < PAGE) break;
	}
	return cleared;
}
