// Starts the fake Twilio and the fake webhook receiver once for the Workers-pool suite, and hands their URLs to the
// tests (`inject("fakeTwilioUrl")`, `inject("receiverUrl")`) and to the Miniflare bindings in vitest.config.ts.
import type { TestProject } from "vitest/node";
import { startReceiver } from "./receiver";
import { startFakeTwilio } from "./twilio";

declare module "vitest" {
	export interface ProvidedContext {
		fakeTwilioUrl: string;
		receiverUrl: string;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const twilio = await startFakeTwilio();
	const receiver = await startReceiver();
	project.provide("fakeTwilioUrl", twilio.url);
	project.provide("receiverUrl", receiver.url);
	return async () => {
		await twilio.close();
		await receiver.close();
	};
}
