import { receive, retryLater } from "../queue/policy";
import { DeliveryEnvelope } from "./events";
import { type Endpoint, endpointsById } from "./queries";
import { signatureHeader } from "./signature";

const TIMEOUT_MS = 10_000;

/**
 * The webhooks queue consumer: POSTs each event to its endpoint, signed. A 2xx answer acks; anything else (or no
 * answer in 10 s) retries with backoff, and after max_retries Cloudflare moves the delivery to the dead-letter queue.
 * A deleted endpoint gets nothing more.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env, now = Date.now()): Promise<void> {
	const deliveries = await receive(batch, DeliveryEnvelope.schema, env.WEBHOOKS_DEAD_LETTERS);
	if (deliveries.length === 0) return;
	let endpoints: Map<string, Endpoint>;
	try {
		endpoints = await endpointsById(env.DB, [...new Set(deliveries.map((d) => d.body.endpointId))]);
	} catch (err) {
		for (const { message } of deliveries) retry(message, String(err));
		return;
	}
	await Promise.all(
		deliveries.map(async ({ message, body }) => {
			const endpoint = endpoints.get(body.endpointId);
			if (!endpoint) {
				message.ack();
				return;
			}
			const outcome = await post(endpoint, body.event, Math.floor(now / 1000));
			if (outcome === "ok") message.ack();
			else retry(message, outcome);
		}),
	);
}

async function post(endpoint: Endpoint, event: DeliveryEnvelope["event"], timestamp: number): Promise<"ok" | string> {
	const payload = JSON.stringify(event);
	try {
		const response = await fetch(endpoint.url, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"user-agent": "Tapline-Webhooks/1",
				"tapline-event-id": event.id,
				"tapline-event-type": event.type,
				"tapline-signature": await signatureHeader(endpoint.secret, timestamp, payload),
			},
			body: payload,
			redirect: "manual",
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		await response.body?.cancel();
		return response.ok ? "ok" : `HTTP ${response.status}`;
	} catch (err) {
		return String(err);
	}
}

function retry(message: Message<unknown>, reason: string): void {
	retryLater(message, "webhook delivery", reason);
}
