// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface TaplineSecrets {
	/** Bearer token for the admin endpoints (creating workspaces). Set with `wrangler secret put ADMIN_TOKEN`. */
	ADMIN_TOKEN?: string;
	/** Signs the dashboard's session cookie; 16+ random characters. `wrangler secret put SESSION_SECRET`. */
	SESSION_SECRET?: string;
	/** Twilio Account SID (AC…), for SMS_PROVIDER=twilio. `wrangler secret put TWILIO_ACCOUNT_SID`. */
	TWILIO_ACCOUNT_SID?: string;
	/** Twilio auth token: signs API calls and verifies Twilio's webhooks. `wrangler secret put TWILIO_AUTH_TOKEN`. */
	TWILIO_AUTH_TOKEN?: string;
}
declare namespace Cloudflare {
	interface Env extends TaplineSecrets {}
}
interface Env extends TaplineSecrets {}
