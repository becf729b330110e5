import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));

export default defineConfig({
	plugins: [
		// A function, so that bindings can use what globalSetup provides once it has run.
		cloudflareTest(({ inject }) => ({
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: {
					ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123",
					SESSION_SECRET: "test-session-secret-0123456789",
					SUPPRESSION_SECRET: "test-suppression-secret-0123456789",
					TEST_MIGRATIONS: migrations,
					// The fake webhook receiver listens on http://127.0.0.1, as under `npm run dev`.
					WEBHOOK_ALLOW_HTTP: "true",
					WEBHOOK_ALLOW_PRIVATE_HOSTS: "true",
					// No test can reach the real Twilio, whatever account it uses.
					TWILIO_API_BASE: inject("fakeTwilioUrl"),
				},
			},
		})),
	],
	test: {
		include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
		globalSetup: ["./test/support/fakes/twilio-global-setup.ts"],
		setupFiles: ["./test/support/apply-migrations.ts"],
		// Generous for shared CI machines; speed is measured in bench/, not here.
		testTimeout: 30_000,
	},
});
