import type { WebhookEventType } from "../db/schema";
import { all, query, type Rows, run } from "../db/sql";

export type Endpoint = Omit<Rows["webhookEndpoints"], "events" | "deletedAt"> & { events: WebhookEventType[] };

/** Events are stored as a JSON array. */
type EndpointRow = Omit<Rows["webhookEndpoints"], "deletedAt">;

const toEndpoint = (row: EndpointRow): Endpoint => ({ ...row, events: JSON.parse(row.events) as WebhookEventType[] });

const COLUMNS = "id, workspace_id AS workspaceId, url, secret, events, created_at AS createdAt";

const CREATE_ENDPOINT = query<
	never,
	[id: string, workspaceId: string, url: string, secret: string, events: string, createdAt: number]
>("INSERT INTO webhook_endpoints (id, workspace_id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

export async function createEndpoint(d1: D1Database, endpoint: Endpoint): Promise<void> {
	const { id, workspaceId, url, secret, events, createdAt } = endpoint;
	await run(CREATE_ENDPOINT.bind(d1, id, workspaceId, url, secret, JSON.stringify(events), createdAt));
}

const ENDPOINTS_OF = query<EndpointRow, [workspaceIds: string]>(
	`SELECT ${COLUMNS} FROM webhook_endpoints INDEXED BY webhook_endpoints_by_workspace
	 WHERE workspace_id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NULL ORDER BY created_at`,
);

/** The live endpoints of some workspaces. */
export async function endpointsOf(d1: D1Database, workspaceIds: string[]): Promise<Endpoint[]> {
	return (await all(ENDPOINTS_OF.bind(d1, JSON.stringify(workspaceIds)))).map(toEndpoint);
}

const ENDPOINTS_BY_ID = query<EndpointRow, [ids: string]>(
	`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NULL`,
);

/** Live endpoints by id, for the deliverer. */
export async function endpointsById(d1: D1Database, ids: string[]): Promise<Map<string, Endpoint>> {
	const results = await all(ENDPOINTS_BY_ID.bind(d1, JSON.stringify(ids)));
	return new Map(results.map((r) => [r.id, toEndpoint(r)]));
}

const DELETE_ENDPOINT = query<never, [id: string, workspaceId: string, now: number]>(
	"UPDATE webhook_endpoints SET deleted_at = ?3 WHERE id = ?1 AND workspace_id = ?2 AND deleted_at IS NULL",
);

export async function deleteEndpoint(d1: D1Database, workspaceId: string, id: string, now: number): Promise<boolean> {
	return (await run(DELETE_ENDPOINT.bind(d1, id, workspaceId, now))) > 0;
}
