export interface ShopifyIntegration {
	secret: string;
	shopDomain: string;
}

/**
 * Stores a workspace's Shopify secret and shop. Returns false, storing nothing, when another workspace already uses
 * the secret: webhooks signed with it would then verify for both workspaces.
 */
export async function saveShopifyIntegration(
	d1: D1Database,
	workspaceId: string,
	integration: ShopifyIntegration,
	now: number,
): Promise<boolean> {
	const [, check] = await d1.batch([
		d1
			.prepare(
				`INSERT INTO integrations (workspace_id, provider, secret, shop_domain, updated_at)
				 SELECT ?1, 'shopify', ?2, ?3, ?4
				 WHERE NOT EXISTS (SELECT 1 FROM integrations WHERE provider = 'shopify' AND secret = ?2 AND workspace_id <> ?1)
				 ON CONFLICT (workspace_id, provider) DO UPDATE SET
				   secret = excluded.secret, shop_domain = excluded.shop_domain, updated_at = excluded.updated_at`,
			)
			.bind(workspaceId, integration.secret, integration.shopDomain, now),
		d1.prepare("SELECT secret FROM integrations WHERE workspace_id = ?1 AND provider = 'shopify'").bind(workspaceId),
	]);
	return (check?.results[0] as { secret?: string } | undefined)?.secret === integration.secret;
}

export async function findShopifyIntegration(d1: D1Database, workspaceId: string): Promise<ShopifyIntegration | null> {
	return d1
		.prepare(
			"SELECT secret, shop_domain AS shopDomain FROM integrations WHERE workspace_id = ?1 AND provider = 'shopify'",
		)
		.bind(workspaceId)
		.first<ShopifyIntegration>();
}
