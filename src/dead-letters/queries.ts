import { all, first, query, type Rows, run } from "../db/sql";

export type DeadLetter = Rows["deadLetters"];

const COLUMNS = `id, queue, workspace_id AS workspaceId, reason, body, original_message_id AS originalMessageId,
	received_at AS receivedAt, replayed_at AS replayedAt`;

const STORE = query<
	never,
	[
		id: string,
		queue: string,
		workspaceId: string | null,
		reason: string,
		body: string,
		originalMessageId: string | null,
		receivedAt: number,
	]
>(
	`INSERT INTO dead_letters (id, queue, workspace_id, reason, body, original_message_id, received_at)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING`,
);

/** Stores dead letters, each once by its id, in one D1 batch. */
export async function storeDeadLetters(d1: D1Database, letters: Omit<DeadLetter, "replayedAt">[]): Promise<void> {
	if (letters.length === 0) return;
	await d1.batch(
		letters.map((l) =>
			STORE.bind(d1, l.id, l.queue, l.workspaceId, l.reason, l.body, l.originalMessageId, l.receivedAt),
		),
	);
}

/**
 * Whose dead letters a caller sees: one workspace's; or, for the admin token, everyone's ("all"), or only those that
 * name no workspace ("unscoped").
 */
export type Scope = { workspaceId: string } | "all" | "unscoped";

const scopeParams = (scope: Scope): [mode: string, workspaceId: string | null] =>
	typeof scope === "string" ? [scope, null] : ["workspace", scope.workspaceId];

// The dead-letter tables stay small (an operator replays or deletes what lands there): one statement with the scope
// as a parameter reads better than one per scope.
const IN_SCOPE = `CASE ?1 WHEN 'workspace' THEN workspace_id = ?2 WHEN 'unscoped' THEN workspace_id IS NULL
	WHEN 'all' THEN 1 ELSE 0 END`;

const LIST = query<
	DeadLetter,
	[
		mode: string,
		workspaceId: string | null,
		status: string,
		afterAt: number | null,
		afterId: string | null,
		limit: number,
	]
>(
	`SELECT ${COLUMNS} FROM dead_letters
	 WHERE ${IN_SCOPE}
	   AND (?3 = 'all' OR (?3 = 'pending') = (replayed_at IS NULL))
	   AND (?4 IS NULL OR received_at < ?4 OR (received_at = ?4 AND id < ?5))
	 ORDER BY received_at DESC, id DESC LIMIT ?6`,
);

export interface ListOptions {
	status: "pending" | "replayed" | "all";
	limit: number;
	after: { at: number; id: string } | null;
}

/** Newest first, keyset-paged on (received_at, id). */
export function listDeadLetters(d1: D1Database, scope: Scope, options: ListOptions): Promise<DeadLetter[]> {
	const { status, limit, after } = options;
	return all(LIST.bind(d1, ...scopeParams(scope), status, after?.at ?? null, after?.id ?? null, limit));
}

const FIND = query<DeadLetter, [mode: string, workspaceId: string | null, id: string]>(
	`SELECT ${COLUMNS} FROM dead_letters WHERE id = ?3 AND ${IN_SCOPE}`,
);

export function findDeadLetter(d1: D1Database, scope: Scope, id: string): Promise<DeadLetter | null> {
	return first(FIND.bind(d1, ...scopeParams(scope), id));
}

const CLAIM_REPLAY = query<never, [id: string, now: number]>(
	"UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1 AND replayed_at IS NULL",
);

/** Marks a dead letter replayed; false when it already was (another call replayed it). */
export async function claimReplay(d1: D1Database, id: string, now: number): Promise<boolean> {
	return (await run(CLAIM_REPLAY.bind(d1, id, now))) > 0;
}

const RELEASE_REPLAY = query<never, [id: string, claimedAt: number]>(
	"UPDATE dead_letters SET replayed_at = NULL WHERE id = ?1 AND replayed_at = ?2",
);

/** Undoes a claim whose send failed, so that the dead letter can be replayed again. */
export async function releaseReplay(d1: D1Database, id: string, claimedAt: number): Promise<void> {
	await run(RELEASE_REPLAY.bind(d1, id, claimedAt));
}

const DELETE = query<never, [id: string]>("DELETE FROM dead_letters WHERE id = ?1");

export async function deleteDeadLetter(d1: D1Database, id: string): Promise<void> {
	await run(DELETE.bind(d1, id));
}
