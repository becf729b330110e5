// The browser suite: the site snippet in headless Chromium, and the CLI as a Node process, against the real Worker
// under `wrangler dev`. It runs in Node, apart from the Workers-pool suite in vitest.config.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		environment: "node",
		include: ["test/browser/**/*.test.ts", "test/cli/**/*.test.ts"],
		globalSetup: ["./test/browser/global-setup.ts"],
		// Each test bounds its own waits well below this; it only catches a hung browser.
		testTimeout: 60_000,
		hookTimeout: 60_000,
	},
});
