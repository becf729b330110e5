// Drives the app, the send consumer and Twilio webhooks in the Workers runtime, with the queues they write to
// captured (and held to Cloudflare Queues' limits, test/support/queues.ts) instead of delivered.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../../src/app";
import { consumeSends } from "../../src/messages/consume-sends";
import { capturingQueue } from "./queues";
import { webhookRequest } from "./twilio";

export type TestEnv = Env & Record<string, unknown>;
export const baseEnv = env as unknown as TestEnv;

/** Calls the app with the given env; what it queues is captured, not delivered. */
export async function api(
	appEnv: TestEnv,
	path: string,
	init: { method?: string; key?: string; json?: unknown; request?: Request; sendsQueue?: unknown } = {},
) {
	const sends = capturingQueue();
	const events = capturingQueue();
	const headers = new Headers();
	if (init.key) headers.set("authorization", `Bearer ${init.key}`);
	if (init.json !== undefined) headers.set("content-type", "application/json");
	const request =
		init.request ??
		new Request(`https://tapline.test${path}`, {
			method: init.method ?? (init.json === undefined ? "GET" : "POST"),
			headers,
			body: init.json === undefined ? undefined : JSON.stringify(init.json),
		});
	const ctx = createExecutionContext();
	const response = await app.fetch(
		request,
		{ ...appEnv, SENDS: (init.sendsQueue as Queue | undefined) ?? sends, EVENTS: events },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return { response, sends: sends.sent, events: events.sent };
}

let sequence = 0;

/** Runs the send consumer over queue message bodies, as Cloudflare would deliver them. */
export async function runSends(appEnv: TestEnv, bodies: unknown[], attempts = 1, now = Date.now()) {
	const batch = createMessageBatch<unknown>(
		"tapline-sends",
		bodies.map((body) => ({ id: `send-${++sequence}`, timestamp: new Date(), attempts, body })),
	);
	const resend = capturingQueue();
	const ctx = createExecutionContext();
	await consumeSends(batch, { ...appEnv, SENDS: resend }, now);
	const result = await getQueueResult(batch, ctx);
	return { ...result, requeued: resend.sent };
}

/** Posts a signed Twilio webhook to the app; returns the response and what it queued. */
export async function postWebhook(
	appEnv: TestEnv,
	webhook: { url: string; body: string; headers: Record<string, string> },
) {
	return api(appEnv, "", { request: webhookRequest({ ...webhook, signature: "", params: {} }) });
}
