import { and, eq, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { newId } from "../db/ids";
import { apiKeys, workspaces } from "../db/schema";
import type { NewApiKey } from "./api-keys";
import type { Workspace } from "./workspace";

export type { Workspace };

/** Creates a workspace and its first API key together. */
export async function createWorkspace(d1: D1Database, name: string, key: NewApiKey, now: number): Promise<Workspace> {
	const db = database(d1);
	const workspace = {
		id: newId("ws"),
		name,
		createdAt: now,
		attributionWindowDays: 7,
		helpText: null,
		frequencyCapHours: 24,
	};
	await db.batch([
		db.insert(workspaces).values(workspace),
		db.insert(apiKeys).values({
			id: newId("key"),
			workspaceId: workspace.id,
			keyHash: key.hash,
			start: key.start,
			createdAt: now,
		}),
	]);
	return workspace;
}

export async function findWorkspaceIdByKey(d1: D1Database, keyHash: string): Promise<string | null> {
	const row = await database(d1)
		.select({ workspaceId: apiKeys.workspaceId })
		.from(apiKeys)
		.where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
		.get();
	return row?.workspaceId ?? null;
}

export async function findWorkspace(d1: D1Database, id: string): Promise<Workspace | null> {
	return (await database(d1).select().from(workspaces).where(eq(workspaces.id, id)).get()) ?? null;
}

export async function updateWorkspace(
	d1: D1Database,
	id: string,
	changes: { attributionWindowDays?: number; helpText?: string | null; frequencyCapHours?: number },
): Promise<void> {
	if (Object.keys(changes).length === 0) return;
	await database(d1).update(workspaces).set(changes).where(eq(workspaces.id, id));
}
