// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface TaplineSecrets {
	/** Bearer token for the admin endpoints (creating workspaces). Set with `wrangler secret put ADMIN_TOKEN`. */
	ADMIN_TOKEN?: string;
}
declare namespace Cloudflare {
	interface Env extends TaplineSecrets {}
}
interface Env extends TaplineSecrets {}
