import { newId } from "../db/ids";
import type { CountedPurchases } from "../db/schema";
import { batch, first, query, run } from "../db/sql";
import type { NewApiKey } from "./api-keys";
import { INSERT_API_KEY } from "./key-queries";
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

/** The column's default (migration 0010): enough for a shop's campaign, not for a pumping run. */
export const DEFAULT_DAILY_SEND_CAP = 10_000;

/** The name of the key a workspace is created with; it keeps full access. */
export const FIRST_KEY_NAME = "first key";

/** Creates a workspace and its first API key (full access) together. */
export async function createWorkspace(d1: D1Database, name: string, key: NewApiKey, now: number): Promise<Workspace> {
	const workspace = {
		id: newId("ws"),
		name,
		createdAt: now,
		attributionWindowDays: 7,
		helpText: null,
		frequencyCapHours: 24,
		countedPurchases: "confirmed_or_pixel" as const,
		dailySendCap: DEFAULT_DAILY_SEND_CAP,
		allowedCountries: null,
	};
	const { id, attributionWindowDays, helpText, frequencyCapHours } = workspace;
	await batch(d1, [
		INSERT_WORKSPACE.bind(d1, id, name, now, attributionWindowDays, helpText, frequencyCapHours),
		INSERT_API_KEY.bind(d1, newId("key"), id, key.hash, key.start, now, FIRST_KEY_NAME, '["full"]'),
	]);
	return workspace;
}

const FIND_WORKSPACE = query<Omit<Workspace, "allowedCountries"> & { allowedCountries: string | null }, [id: string]>(
	`SELECT id, name, created_at AS createdAt, attribution_window_days AS attributionWindowDays, help_text AS helpText,
	        frequency_cap_hours AS frequencyCapHours, counted_purchases AS countedPurchases,
	        daily_send_cap AS dailySendCap, allowed_countries AS allowedCountries
	 FROM workspaces WHERE id = ?1`,
);

export async function findWorkspace(d1: D1Database, id: string): Promise<Workspace | null> {
	const row = await first(FIND_WORKSPACE.bind(d1, id));
	return row && { ...row, allowedCountries: row.allowedCountries === null ? null : JSON.parse(row.allowedCountries) };
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
		dailySendCap: number | null,
		setsAllowedCountries: number,
		allowedCountries: string | null,
	]
>(
	`UPDATE workspaces SET attribution_window_days = coalesce(?2, attribution_window_days),
	   help_text = iif(?3, ?4, help_text), frequency_cap_hours = coalesce(?5, frequency_cap_hours),
	   daily_send_cap = coalesce(?6, daily_send_cap), allowed_countries = iif(?7, ?8, allowed_countries)
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
		dailySendCap?: number;
		allowedCountries?: string[] | null;
	},
): Promise<void> {
	if (Object.keys(changes).length === 0) return;
	const { attributionWindowDays, helpText, frequencyCapHours, countedPurchases, dailySendCap, allowedCountries } =
		changes;
	if (countedPurchases !== undefined) await run(SET_COUNTED_PURCHASES.bind(d1, id, countedPurchases));
	await run(
		UPDATE_WORKSPACE.bind(
			d1,
			id,
			attributionWindowDays ?? null,
			helpText === undefined ? 0 : 1,
			helpText ?? null,
			frequencyCapHours ?? null,
			dailySendCap ?? null,
			allowedCountries === undefined ? 0 : 1,
			allowedCountries ? JSON.stringify(allowedCountries) : null,
		),
	);
}
