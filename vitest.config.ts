import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));

export default defineConfig({
	plugins: [
		cloudflareTest({
			wrangler: { configPath: "./wrangler.toml" },
			miniflare: {
				bindings: { ADMIN_TOKEN: "test-admin-token", TEST_MIGRATIONS: migrations },
			},
		}),
	],
	test: {
		include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
		setupFiles: ["./test/apply-migrations.ts"],
		// Generous for shared CI machines; speed is measured in bench/, not here.
		testTimeout: 30_000,
	},
});
