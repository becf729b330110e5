import type { ClickRow } from "./click-row";

// The aggregator's write, as one D1 batch (one transaction). New clicks are inserted with counted = 0, every
// aggregate is computed from the rows still at counted = 0, and the last statement sets counted = 1. A click id seen
// before is ignored by the insert, so a redelivered message adds nothing; a batch that fails rolls back whole, so a
// retry starts clean. The aggregates never depend on which messages came in which batch.
// Every read of the pending rows names the partial index clicks_uncounted: D1 keeps no planner statistics, and
// left alone SQLite prefers an index that suits the GROUP BY and scans the whole table on every batch.
const INSERT_CLICKS = `
INSERT INTO clicks (id, workspace_id, campaign_id, link_code, contact_id, variant, clicked_at, human, bot_reason,
                    device_type, os, browser, country, region, city, colo, referer, user_agent)
SELECT json_extract(j.value, '$.id'), json_extract(j.value, '$.workspaceId'), json_extract(j.value, '$.campaignId'),
       l.code, json_extract(j.value, '$.contactId'), json_extract(j.value, '$.variant'),
       json_extract(j.value, '$.clickedAt'), json_extract(j.value, '$.human'), json_extract(j.value, '$.botReason'),
       json_extract(j.value, '$.deviceType'), json_extract(j.value, '$.os'), json_extract(j.value, '$.browser'),
       json_extract(j.value, '$.country'), json_extract(j.value, '$.region'), json_extract(j.value, '$.city'),
       json_extract(j.value, '$.colo'), json_extract(j.value, '$.referer'), json_extract(j.value, '$.userAgent')
FROM json_each(?1) AS j
CROSS JOIN links l ON l.code = json_extract(j.value, '$.linkCode')
-- Other isolates may serve a deleted link from their cache for up to a minute; those taps are not counted.
WHERE l.deleted_at IS NULL OR l.deleted_at > json_extract(j.value, '$.clickedAt')
ON CONFLICT (id) DO NOTHING`;

// The first human tap on a link whose human count is still 0 makes its recipient a unique human clicker.
const MARK_FIRST_HUMAN = `
UPDATE clicks SET first_human = 1
WHERE id IN (
  SELECT id FROM (
    SELECT c.id, row_number() OVER (PARTITION BY c.link_code ORDER BY c.clicked_at, c.id) AS rn
    FROM clicks c INDEXED BY clicks_uncounted JOIN links l ON l.code = c.link_code
    WHERE c.counted = 0 AND c.human = 1 AND l.human_clicks = 0
  ) WHERE rn = 1
)`;

// One pass over the pending rows per dimension, spelled as a join on the list of dimensions: D1 caps compound
// SELECTs at a few terms, so a UNION ALL per dimension is not an option.
const ADD_TO_CAMPAIGN_STATS = `
INSERT INTO campaign_stats (campaign_id, dimension, value, clicks, human_clicks, bot_clicks, unique_humans)
SELECT c.campaign_id, d.value,
       CASE d.value
         WHEN 'total' THEN ''
         WHEN 'day' THEN strftime('%Y-%m-%d', c.clicked_at / 1000, 'unixepoch')
         WHEN 'variant' THEN coalesce(c.variant, '')
         WHEN 'device' THEN coalesce(c.device_type, 'other')
         WHEN 'os' THEN coalesce(c.os, 'unknown')
         WHEN 'browser' THEN coalesce(c.browser, 'unknown')
         WHEN 'country' THEN coalesce(c.country, 'unknown')
         ELSE c.bot_reason
       END AS bucket,
       count(*), sum(c.human), count(*) - sum(c.human), sum(c.first_human)
FROM clicks c INDEXED BY clicks_uncounted
JOIN json_each('["total","day","variant","device","os","browser","country","reason"]') AS d
  ON d.value <> 'reason' OR c.human = 0
WHERE c.counted = 0
GROUP BY c.campaign_id, d.value, bucket
ON CONFLICT (campaign_id, dimension, value) DO UPDATE SET
  clicks = clicks + excluded.clicks,
  human_clicks = human_clicks + excluded.human_clicks,
  bot_clicks = bot_clicks + excluded.bot_clicks,
  unique_humans = unique_humans + excluded.unique_humans`;

const ADD_TO_LINKS = `
UPDATE links SET
  clicks = links.clicks + p.n,
  human_clicks = links.human_clicks + p.h,
  bot_clicks = links.bot_clicks + p.n - p.h,
  first_human_click_at = min(coalesce(links.first_human_click_at, p.first_h), coalesce(p.first_h, links.first_human_click_at)),
  last_human_click_at = max(coalesce(links.last_human_click_at, p.last_h), coalesce(p.last_h, links.last_human_click_at))
FROM (
  SELECT link_code, count(*) AS n, sum(human) AS h,
         min(CASE WHEN human = 1 THEN clicked_at END) AS first_h,
         max(CASE WHEN human = 1 THEN clicked_at END) AS last_h
  FROM clicks INDEXED BY clicks_uncounted WHERE counted = 0 GROUP BY link_code
) AS p
WHERE links.code = p.link_code`;

// A human tap moves a contact who had not engaged yet to the consideration stage of the journey.
const ADVANCE_CONTACT_STAGES = `
UPDATE contacts SET stage = 'consideration'
WHERE stage IS NULL
  AND id IN (SELECT contact_id FROM clicks INDEXED BY clicks_uncounted WHERE counted = 0 AND human = 1)`;

const MARK_COUNTED = "UPDATE clicks INDEXED BY clicks_uncounted SET counted = 1 WHERE counted = 0";

// Keeps each JSON parameter far below D1's 2 MB value limit (a stored click is well under 2 KB).
const ROWS_PER_INSERT = 500;

/** The statements that read pending rows, for tests that check their query plans. */
export const PENDING_ROW_READS = {
	MARK_FIRST_HUMAN,
	ADD_TO_CAMPAIGN_STATS,
	ADD_TO_LINKS,
	ADVANCE_CONTACT_STAGES,
	MARK_COUNTED,
};

/** Stores clicks and adds them to the campaign and link aggregates, exactly once per click id. */
export async function recordClicks(d1: D1Database, rows: ClickRow[]): Promise<{ inserted: number }> {
	if (rows.length === 0) return { inserted: 0 };
	const inserts: D1PreparedStatement[] = [];
	for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
		inserts.push(d1.prepare(INSERT_CLICKS).bind(JSON.stringify(rows.slice(i, i + ROWS_PER_INSERT))));
	}
	const results = await d1.batch([
		...inserts,
		d1.prepare(MARK_FIRST_HUMAN),
		d1.prepare(ADD_TO_CAMPAIGN_STATS),
		d1.prepare(ADD_TO_LINKS),
		d1.prepare(ADVANCE_CONTACT_STAGES),
		d1.prepare(MARK_COUNTED),
	]);
	const inserted = results.slice(0, inserts.length).reduce((n, r) => n + r.meta.changes, 0);
	return { inserted };
}

/** Which of these click ids are stored: a tap on a link deleted (or erased) before it was written is not. */
export async function storedClickIds(d1: D1Database, ids: string[]): Promise<Set<string>> {
	const { results } = await d1
		.prepare("SELECT id FROM clicks WHERE id IN (SELECT value FROM json_each(?1))")
		.bind(JSON.stringify(ids))
		.all<{ id: string }>();
	return new Set(results.map((r) => r.id));
}
