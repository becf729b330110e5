// Starts the fake Twilio once for the Workers-pool suite and hands its URL to the tests (`inject("fakeTwilioUrl")`)
// and to the Miniflare bindings in vitest.config.ts.
import type { TestProject } from "vitest/node";
import { startFakeTwilio } from "./twilio";

declare module "vitest" {
	export interface ProvidedContext {
		fakeTwilioUrl: string;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const twilio = await startFakeTwilio();
	project.provide("fakeTwilioUrl", twilio.url);
	return twilio.close;
}
