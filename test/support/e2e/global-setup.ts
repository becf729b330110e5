// Starts the real Worker (`wrangler dev`, local D1 and Queues in a throwaway directory), the fake shop and the fake
// Twilio, once for the browser and end-to-end suite, and hands their URLs to the tests through `provide`. The Worker
// sends SMS through the fake Twilio, which posts signed status callbacks back to it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { runWrangler, startWranglerDev, stopWrangler } from "../../../src/demo/seed/wrangler.ts";
import { startFakeTwilio } from "../fakes/twilio";
import { startShop } from "./shop";

declare module "vitest" {
	export interface ProvidedContext {
		workerUrl: string;
		shopUrl: string;
		adminToken: string;
		fakeTwilioUrl: string;
		twilioAccountSid: string;
		twilioAuthToken: string;
	}
}

const ADMIN_TOKEN = "browser-admin-token-0123456789abcdef0123";
const TWILIO_ACCOUNT_SID = `AC${"e2e0".repeat(8)}`;
const TWILIO_AUTH_TOKEN = "e2e-twilio-auth-token";
export const TWILIO_FROM = "+15005550006";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const persistDir = await mkdtemp(join(tmpdir(), "tapline-browser-"));
	const cleanups: Array<() => Promise<void>> = [() => rm(persistDir, { recursive: true, force: true })];
	const teardown = async () => {
		for (const cleanup of cleanups.reverse()) await cleanup();
	};
	try {
		await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
		const twilio = await startFakeTwilio();
		cleanups.push(twilio.close);

		const { url: workerUrl, worker } = await startWranglerDev({
			persistTo: persistDir,
			vars: (url) => ({
				ADMIN_TOKEN,
				SESSION_SECRET: "browser-session-secret-0123456789",
				PUBLIC_URL: url,
				SMS_PROVIDER: "twilio",
				TWILIO_API_BASE: twilio.url,
				TWILIO_FROM,
				TWILIO_ACCOUNT_SID,
				TWILIO_AUTH_TOKEN,
			}),
		});
		cleanups.push(() => stopWrangler(worker));

		const shop = await startShop(workerUrl);
		cleanups.push(shop.close);

		project.provide("workerUrl", workerUrl);
		project.provide("shopUrl", shop.url);
		project.provide("adminToken", ADMIN_TOKEN);
		project.provide("fakeTwilioUrl", twilio.url);
		project.provide("twilioAccountSid", TWILIO_ACCOUNT_SID);
		project.provide("twilioAuthToken", TWILIO_AUTH_TOKEN);
		return teardown;
	} catch (error) {
		await teardown();
		throw error;
	}
}
