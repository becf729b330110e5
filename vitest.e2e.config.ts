// The end-to-end suite: a real browser (the site snippet, the dashboard), the CLI and the seed as Node processes, and
// the SMS lifecycle over HTTP, against the real Worker under `wrangler dev`. It runs in Node, apart from the
// Workers-pool suite in vitest.config.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		environment: "node",
		include: ["test/e2e/**/*.test.ts"],
		// The browser first: it fails fast when there is none, and unpacks the bundled one once for all test files.
		globalSetup: ["./test/support/e2e/chromium.ts", "./test/support/e2e/global-setup.ts"],
		// Each test bounds its own waits well below this; it only catches a hung browser.
		testTimeout: 60_000,
		hookTimeout: 60_000,
	},
});
