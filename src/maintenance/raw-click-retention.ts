import { clearRawClickDetailsPage } from "../clicks/queries";
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
		const changed = await clearRawClickDetailsPage(d1, cutoff, PAGE);
		cleared += changed;
		if (changed < PAGE) break;
	}
	return cleared;
}
