import { all, first, query, type Rows } from "../db/sql";
import { parseScopes, type Scope } from "../http/scopes";

/** A key as the API lists it: never the key, nor its hash. */
export interface ApiKeyInfo {
	id: string;
	name: string;
	scopes: Scope[];
	start: string;
	createdAt: number;
	lastUsedAt: number | null;
}

/** The most live keys one workspace may hold: keeps the list one page and a leak's blast radius countable. */
export const MAX_LIVE_KEYS = 100;

const KEY_COLUMNS = `id, name, scopes, start, created_at AS createdAt, last_used_at AS lastUsedAt`;
type StoredKey = Omit<ApiKeyInfo, "scopes"> & { scopes: string };
const info = (row: StoredKey): ApiKeyInfo => ({ ...row, scopes: parseScopes(row.scopes) });

/** A live key that a request presented, counted in its rate-limit window. */
export interface PresentedKey {
	id: string;
	workspaceId: string;
	scopes: Scope[];
	/** Requests in the current window, this one included. */
	rateCount: number;
}

// One statement per API request: finds the live key and counts the request in the key's fixed one-minute window.
// Every right-hand side reads the row as it was, so a new window restarts the count at 1 and moves last_used_at:
// the last use is exact to the minute and costs no write of its own.
const COUNT_REQUEST = query<
	Pick<Rows["apiKeys"], "id" | "workspaceId" | "scopes" | "rateCount">,
	[keyHash: string, window: number, now: number]
>(
	`UPDATE api_keys SET rate_count = iif(rate_window = ?2, rate_count + 1, 1),
	   last_used_at = iif(rate_window = ?2, last_used_at, ?3), rate_window = ?2
	 WHERE key_hash = ?1 AND revoked_at IS NULL
	 RETURNING id, workspace_id AS workspaceId, scopes, rate_count AS rateCount`,
);

export async function countKeyRequest(
	d1: D1Database,
	keyHash: string,
	window: number,
	now: number,
): Promise<PresentedKey | null> {
	const row = await first(COUNT_REQUEST.bind(d1, keyHash, window, now));
	return row && { ...row, scopes: parseScopes(row.scopes) };
}

const LIVE_KEY_BY_HASH = query<Pick<Rows["apiKeys"], "id" | "workspaceId" | "scopes">, [keyHash: string]>(
	"SELECT id, workspace_id AS workspaceId, scopes FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
);

/** A live key by its hash, not counted (signing in to the dashboard). */
export async function findLiveKeyByHash(
	d1: D1Database,
	keyHash: string,
): Promise<{ id: string; workspaceId: string; scopes: Scope[] } | null> {
	const row = await first(LIVE_KEY_BY_HASH.bind(d1, keyHash));
	return row && { ...row, scopes: parseScopes(row.scopes) };
}

const LIVE_KEY_WORKSPACE = query<Pick<Rows["apiKeys"], "workspaceId">, [id: string]>(
	"SELECT workspace_id AS workspaceId FROM api_keys WHERE id = ?1 AND revoked_at IS NULL",
);

/** The workspace of a key that is still live (a dashboard session checks its key on every request). */
export async function findLiveKeyWorkspace(d1: D1Database, id: string): Promise<string | null> {
	return (await first(LIVE_KEY_WORKSPACE.bind(d1, id)))?.workspaceId ?? null;
}

export const INSERT_API_KEY = query<
	Pick<Rows["apiKeys"], "id">,
	[id: string, workspaceId: string, keyHash: string, start: string, createdAt: number, name: string, scopes: string]
>(
	`INSERT INTO api_keys (id, workspace_id, key_hash, start, created_at, name, scopes)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
	 ON CONFLICT DO NOTHING RETURNING id`,
);

const COUNT_LIVE_KEYS = query<{ n: number }, [workspaceId: string]>(
	"SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?1 AND revoked_at IS NULL",
);

export async function countLiveKeys(d1: D1Database, workspaceId: string): Promise<number> {
	return (await first(COUNT_LIVE_KEYS.bind(d1, workspaceId)))?.n ?? 0;
}

/** Stores a new key; null when a live key of the workspace already has this name. */
export async function insertApiKey(
	d1: D1Database,
	key: { id: string; workspaceId: string; hash: string; start: string; name: string; scopes: Scope[]; now: number },
): Promise<string | null> {
	const row = await first(
		INSERT_API_KEY.bind(
			d1,
			key.id,
			key.workspaceId,
			key.hash,
			key.start,
			key.now,
			key.name,
			JSON.stringify(key.scopes),
		),
	);
	return row?.id ?? null;
}

const LIST_LIVE_KEYS = query<StoredKey, [workspaceId: string]>(
	`SELECT ${KEY_COLUMNS} FROM api_keys WHERE workspace_id = ?1 AND revoked_at IS NULL ORDER BY created_at, id`,
);

export async function listLiveKeys(d1: D1Database, workspaceId: string): Promise<ApiKeyInfo[]> {
	return (await all(LIST_LIVE_KEYS.bind(d1, workspaceId))).map(info);
}

const FIND_KEY = query<StoredKey & { revokedAt: number | null }, [workspaceId: string, id: string]>(
	`SELECT ${KEY_COLUMNS}, revoked_at AS revokedAt FROM api_keys WHERE workspace_id = ?1 AND id = ?2`,
);

export async function findKey(
	d1: D1Database,
	workspaceId: string,
	id: string,
): Promise<(ApiKeyInfo & { revokedAt: number | null }) | null> {
	const row = await first(FIND_KEY.bind(d1, workspaceId, id));
	return row && { ...info(row), revokedAt: row.revokedAt };
}

// The guard is in the statement: of two requests revoking a workspace's last two full keys at once, one loses.
const REVOKE_KEY = query<Pick<Rows["apiKeys"], "id">, [workspaceId: string, id: string, now: number]>(
	`UPDATE api_keys SET revoked_at = ?3
	 WHERE workspace_id = ?1 AND id = ?2 AND revoked_at IS NULL
	   AND (NOT EXISTS (SELECT 1 FROM json_each(api_keys.scopes) WHERE value = 'full')
	        OR EXISTS (SELECT 1 FROM api_keys o, json_each(o.scopes) s
	                   WHERE o.workspace_id = ?1 AND o.id <> ?2 AND o.revoked_at IS NULL AND s.value = 'full'))
	 RETURNING id`,
);

/** Revokes a live key; false when it is the workspace's last full key (which stays). */
export async function revokeKey(d1: D1Database, workspaceId: string, id: string, now: number): Promise<boolean> {
	return (await first(REVOKE_KEY.bind(d1, workspaceId, id, now))) !== null;
}
