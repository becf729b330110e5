import { all, batch, first, query } from "../db/sql";
import { DAY_MS } from "../time";

// The workspace's send limits (SMS pumping, a leaked key): a daily cap on the SMS handed to the provider, counted
// atomically in send_counts when the sender claims a message, and an allowed-countries list. The send API checks
// both when it decides; the sender checks again when it claims, and only the claim's count is the limit.

export interface SendLimits {
	dailySendCap: number;
	/** ISO 3166 alpha-2 codes; null: any country. */
	allowedCountries: string[] | null;
}

/** Days since the epoch, in UTC: the cap's day. */
export const utcDay = (now: number): number => Math.floor(now / DAY_MS);

type StoredLimits = { workspaceId: string; dailySendCap: number; allowedCountries: string | null };
const parseLimits = (row: StoredLimits): SendLimits => ({
	dailySendCap: row.dailySendCap,
	allowedCountries: row.allowedCountries === null ? null : (JSON.parse(row.allowedCountries) as string[]),
});

const LIMITS_WITH_SENT = query<StoredLimits & { sent: number }, [workspaceId: string, day: number]>(
	`SELECT w.id AS workspaceId, w.daily_send_cap AS dailySendCap, w.allowed_countries AS allowedCountries,
	        coalesce((SELECT s.sent FROM send_counts s WHERE s.workspace_id = w.id AND s.day = ?2), 0) AS sent
	 FROM workspaces w WHERE w.id = ?1`,
);

/** The limits of one workspace and what it has sent today: what the send API decides with. */
export async function readSendLimits(
	d1: D1Database,
	workspaceId: string,
	now: number,
): Promise<SendLimits & { sentToday: number }> {
	const row = await first(LIMITS_WITH_SENT.bind(d1, workspaceId, utcDay(now)));
	if (!row) return { dailySendCap: 0, allowedCountries: [], sentToday: 0 };
	return { ...parseLimits(row), sentToday: row.sent };
}

const LIMITS = query<StoredLimits, [workspaceIds: string]>(
	`SELECT id AS workspaceId, daily_send_cap AS dailySendCap, allowed_countries AS allowedCountries
	 FROM workspaces WHERE id IN (SELECT value FROM json_each(?1))`,
);

/** The limits of several workspaces (a batch of sends); a workspace that is gone sends nothing. */
export async function loadSendLimits(d1: D1Database, workspaceIds: string[]): Promise<Map<string, SendLimits>> {
	const rows = await all(LIMITS.bind(d1, JSON.stringify([...new Set(workspaceIds)])));
	return new Map(rows.map((r) => [r.workspaceId, parseLimits(r)]));
}

const OPEN_DAY = query<never, [workspaceId: string, day: number]>(
	"INSERT INTO send_counts (workspace_id, day) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
);
// Every right-hand side reads the row as it was: `granted` is what this claim got, `sent` never passes the cap.
// D1 runs one statement at a time, so two senders claiming at once are given disjoint shares.
const GRANT = query<{ granted: number }, [workspaceId: string, day: number, wanted: number]>(
	`UPDATE send_counts
	 SET granted = min(?3, max(0, (SELECT daily_send_cap FROM workspaces WHERE id = ?1) - sent)),
	     sent = sent + min(?3, max(0, (SELECT daily_send_cap FROM workspaces WHERE id = ?1) - sent))
	 WHERE workspace_id = ?1 AND day = ?2
	 RETURNING granted`,
);

/** Reserves up to `wanted` of today's sends for a workspace; answers how many it got (0 once the cap is reached). */
export async function reserveSends(d1: D1Database, workspaceId: string, now: number, wanted: number): Promise<number> {
	if (wanted <= 0) return 0;
	const day = utcDay(now);
	const [, granted] = await batch(d1, [OPEN_DAY.bind(d1, workspaceId, day), GRANT.bind(d1, workspaceId, day, wanted)]);
	return granted.results[0]?.granted ?? 0;
}

const REFUND = query<never, [workspaceId: string, day: number, count: number]>(
	"UPDATE send_counts SET sent = max(0, sent - ?3) WHERE workspace_id = ?1 AND day = ?2",
);

/** Gives back reserved sends that were not claimed after all (another delivery had the message, a STOP came). */
export function refundSends(d1: D1Database, workspaceId: string, now: number, count: number): D1PreparedStatement {
	return REFUND.bind(d1, workspaceId, utcDay(now), count);
}
