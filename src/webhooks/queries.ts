import type { WebhookEventType } from "../db/schema";

export interface Endpoint {
	id: string;
	workspaceId: string;
	url: string;
	secret: string;
	events: WebhookEventType[];
	createdAt: number;
}

interface EndpointRow extends Omit<Endpoint, "events"> {
	events: string;
}

const toEndpoint = (row: EndpointRow): Endpoint => ({ ...row, events: JSON.parse(row.events) as WebhookEventType[] });

const COLUMNS = "id, workspace_id AS workspaceId, url, secret, events, created_at AS createdAt";

export async function createEndpoint(d1: D1Database, endpoint: Endpoint): Promise<void> {
	await d1
		.prepare(
			"INSERT INTO webhook_endpoints (id, workspace_id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		)
		.bind(
			endpoint.id,
			endpoint.workspaceId,
			endpoint.url,
			endpoint.secret,
			JSON.stringify(endpoint.events),
			endpoint.createdAt,
		)
		.run();
}

/** The live endpoints of some workspaces. */
export async function endpointsOf(d1: D1Database, workspaceIds: string[]): Promise<Endpoint[]> {
	const { results } = await d1
		.prepare(
			`SELECT ${COLUMNS} FROM webhook_endpoints INDEXED BY webhook_endpoints_by_workspace
			 WHERE workspace_id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NULL ORDER BY created_at`,
		)
		.bind(JSON.stringify(workspaceIds))
		.all<EndpointRow>();
	return results.map(toEndpoint);
}

/** Live endpoints by id, for the deliverer. */
export async function endpointsById(d1: D1Database, ids: string[]): Promise<Map<string, Endpoint>> {
	const { results } = await d1
		.prepare(
			`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NULL`,
		)
		.bind(JSON.stringify(ids))
		.all<EndpointRow>();
	return new Map(results.map((r) => [r.id, toEndpoint(r)]));
}

export async function deleteEndpoint(d1: D1Database, workspaceId: string, id: string, now: number): Promise<boolean> {
	const result = await d1
		.prepare("UPDATE webhook_endpoints SET deleted_at = ?3 WHERE id = ?1 AND workspace_id = ?2 AND deleted_at IS NULL")
		.bind(id, workspaceId, now)
		.run();
	return result.meta.changes > 0;
}
