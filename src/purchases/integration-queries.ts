import { batch, first, query, type Rows } from "../db/sql";

export type ShopifyIntegration = Pick<Rows["integrations"], "secret" | "shopDomain">;

const SAVE_SHOPIFY = query<never, [workspaceId: string, secret: string, shopDomain: string, now: number]>(
	`INSERT INTO integrations (workspace_id, provider, secret, shop_domain, updated_at)
	 SELECT ?1, 'shopify', ?2, ?3, ?4
	 WHERE NOT EXISTS (SELECT 1 FROM integrations WHERE provider = 'shopify' AND secret = ?2 AND workspace_id <> ?1)
	 ON CONFLICT (workspace_id, provider) DO UPDATE SET
	   secret = excluded.secret, shop_domain = excluded.shop_domain, updated_at = excluded.updated_at`,
);

const FIND_SHOPIFY = query<ShopifyIntegration, [workspaceId: string]>(
	"SELECT secret, shop_domain AS shopDomain FROM integrations WHERE workspace_id = ?1 AND provider = 'shopify'",
);

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
	const [, check] = await batch(d1, [
		SAVE_SHOPIFY.bind(d1, workspaceId, integration.secret, integration.shopDomain, now),
		FIND_SHOPIFY.bind(d1, workspaceId),
	]);
	return check.results[0]?.secret === integration.secret;
}

export function findShopifyIntegration(d1: D1Database, workspaceId: string): Promise<ShopifyIntegration | null> {
	return first(FIND_SHOPIFY.bind(d1, workspaceId));
}
