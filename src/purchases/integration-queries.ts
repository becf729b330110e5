export async function saveShopifySecret(
	d1: D1Database,
	workspaceId: string,
	secret: string,
	now: number,
): Promise<void> {
	await d1
		.prepare(
			`INSERT INTO integrations (workspace_id, provider, secret, updated_at) VALUES (?1, 'shopify', ?2, ?3)
			 ON CONFLICT (workspace_id, provider) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`,
		)
		.bind(workspaceId, secret, now)
		.run();
}

export async function findShopifySecret(d1: D1Database, workspaceId: string): Promise<string | null> {
	return d1
		.prepare("SELECT secret FROM integrations WHERE workspace_id = ?1 AND provider = 'shopify'")
		.bind(workspaceId)
		.first<string>("secret");
}
