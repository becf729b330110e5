import { newId } from "../db/ids";
import type { CountedPurchases } from "../db/schema";
import { batch, first, query, type Rows, run } from "../db/sql";
import type { NewApiKey } from "./api-keys";
import type { Workspace } from "./workspace";

/**
 * A workspace. helpText: the answer to an inbound HELP (null: a default that names the workspace);
 * frequencyCapHours: no follow-up goes to a contact who had any Tapline SMS in this many hours (0: no cap).
 */
export type { Workspace };

const INSERT_WORKSPACE = query<
	never,
	[
		id: string,
		name: string,
		createdAt: number,
		attributionWindowDays: number,
		helpText: null,
		frequencyCapHours: number,
	]
>(
	`INSERT INTO workspaces (id, name, created_at, attribution_window_days, help_text, frequency_cap_hours)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
);

const INSERT_API_KEY = query<
	never,
	[id: string, workspaceId: string, keyHash: string, start: string, createdAt: number]
>("INSERT INTO api_keys (id, workspace_id, key_hash, start, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");

/** Creates a workspace and its first API key together. */
export async function createWorkspace(d1: D1Database, name: string, key: NewApiKey, now: number): Promise<Workspace> {
	const workspace = {
		id: newId("ws"),
		name,
		createdAt: now,
		attributionWindowDays: 7,
		helpText: null,
		frequencyCapHours: 24,
		countedPurchases: "confirmed_or_pixel" as const,
	};
	const { id, attributionWindowDays, helpText, frequencyCapHours } = workspace;
	await batch(d1, [
		INSERT_WORKSPACE.bind(d1, id, name, now, attributionWindowDays, helpText, frequencyCapHours),
		INSERT_API_KEY.bind(d1, newId("key"), id, key.hash, key.start, now),
	]);
	return workspace;
}

const WORKSPACE_ID_BY_KEY = query<Pick<Rows["apiKeys"], "workspaceId">, [keyHash: string]>(
	"SELECT workspace_id AS workspaceId FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
);

export async function findWorkspaceIdByKey(d1: D1Database, keyHash: string): Promise<string | null> {
	return (await first(WORKSPACE_ID_BY_KEY.bind(d1, keyHash)))?.workspaceId ?? null;
}

const FIND_WORKSPACE = query<Workspace, [id: string]>(
	`SELECT id, name, created_at AS createdAt, attribution_window_days AS attributionWindowDays, help_text AS helpText,
	        frequency_cap_hours AS frequencyCapHours, counted_purchases AS countedPurchases
	 FROM workspaces WHERE id = ?1`,
);

export function findWorkspace(d1: D1Database, id: string): Promise<Workspace | null> {
	return first(FIND_WORKSPACE.bind(d1, id));
}

// Each setting left out keeps its value.
const UPDATE_WORKSPACE = query<
	never,
	[
		id: string,
		attributionWindowDays: number | null,
		setsHelpText: number,
		helpText: string | null,
		frequencyCapHours: number | null,
	]
>(
	`UPDATE workspaces SET attribution_window_days = coalesce(?2, attribution_window_days),
	   help_text = iif(?3, ?4, help_text), frequency_cap_hours = coalesce(?5, frequency_cap_hours)
	 WHERE id = ?1`,
);

const SET_COUNTED_PURCHASES = query<never, [id: string, countedPurchases: CountedPurchases]>(
	"UPDATE workspaces SET counted_purchases = ?2 WHERE id = ?1",
);

export async function updateWorkspace(
	d1: D1Database,
	id: string,
	changes: {
		attributionWindowDays?: number;
		helpText?: string | null;
		frequencyCapHours?: number;
		countedPurchases?: CountedPurchases;
	},
): Promise<void> {
	if (Object.keys(changes).length === 0) return;
	const { attributionWindowDays, helpText, frequencyCapHours, countedPurchases } = changes;
	if (countedPurchases !== undefined) await run(SET_COUNTED_PURCHASES.bind(d1, id, countedPurchases));
	await run(
		UPDATE_WORKSPACE.bind(
			d1,
			id,
			attributionWindowDays ?? null,
			helpText === undefined ? 0 : 1,
			helpText ?? null,
			frequencyCapHours ?? null,
		),
	);
}
