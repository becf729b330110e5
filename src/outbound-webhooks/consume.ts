import { config } from "../config";
import { deadLetter, receive, retryLater } from "../queue/policy";
import { type DeliveryAttempt, recordAttempts } from "./delivery-log";
import { refuseEndpointUrl } from "./endpoint-url";
import { DeliveryEnvelope } from "./events";
import { type Endpoint, endpointsById } from "./queries";
import { webhookHeaders } from "./signature";

const TIMEOUT_MS = 10_000;
// An error as the endpoint's log keeps it: enough to tell a timeout from a refused connection.
const MAX_ERROR_LENGTH = 300;

interface Outcome {
	status: number | null;
	error: string | null;
	durationMs: number;
}

/**
 * The webhooks queue consumer: POSTs each event to its endpoint, signed as Standard Webhooks asks. A 2xx answer
 * acks; anything else (or no answer in 10 s) retries with backoff, and after max_retries Cloudflare moves the
 * delivery to the dead-letter queue. A deleted endpoint gets nothing more; an endpoint whose URL this deployment's
 * settings now refuse gets nothing either, and its delivery goes to the dead-letter queue at once. Every attempt is
 * written to the endpoint's delivery log.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env, now?: number): Promise<void> {
	const deliveries = await receive(batch, DeliveryEnvelope.schema, env.WEBHOOKS_DEAD_LETTERS);
	if (deliveries.length === 0) return;
	let endpoints: Map<string, Endpoint>;
	try {
		endpoints = await endpointsById(env.DB, [...new Set(deliveries.map((d) => d.body.endpointId))]);
	} catch (err) {
		for (const { message } of deliveries) retry(message, String(err));
		return;
	}
	const policy = config(env).webhookEndpoints;
	const log: Omit<DeliveryAttempt, "id">[] = [];
	const settle: (() => Promise<void> | void)[] = [];
	await Promise.all(
		deliveries.map(async ({ message, body }) => {
			const endpoint = endpoints.get(body.endpointId);
			if (!endpoint) {
				settle.push(() => message.ack());
				return;
			}
			const payload = JSON.stringify(body.event);
			const attemptedAt = now ?? Date.now();
			const refused = refuseEndpointUrl(endpoint.url, policy);
			const outcome: Outcome = refused
				? { status: null, error: `URL refused: ${refused}`, durationMs: 0 }
				: await post(endpoint, body.event.id, payload, Math.floor(attemptedAt / 1000));
			const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
			log.push({
				endpointId: endpoint.id,
				workspaceId: endpoint.workspaceId,
				messageId: message.id,
				attempt: message.attempts,
				eventId: body.event.id,
				eventType: body.event.type,
				payload,
				status: outcome.status,
				ok,
				error: outcome.error,
				durationMs: outcome.durationMs,
				attemptedAt,
			});
			if (refused) settle.push(() => deadLetter(env.WEBHOOKS_DEAD_LETTERS, batch.queue, message, outcome.error ?? ""));
			else if (ok) settle.push(() => message.ack());
			else settle.push(() => retry(message, outcome.error ?? `HTTP ${outcome.status}`));
		}),
	);
	// The log is for people; a delivery that went out is not repeated because its log line could not be written.
	try {
		await recordAttempts(env.DB, log);
	} catch (err) {
		console.error(JSON.stringify({ msg: "webhook delivery log write failed", error: String(err) }));
	}
	for (const s of settle) await s();
}

async function post(endpoint: Endpoint, eventId: string, payload: string, timestamp: number): Promise<Outcome> {
	const started = Date.now();
	try {
		const response = await fetch(endpoint.url, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"user-agent": "Tapline-Webhooks/1",
				...(await webhookHeaders(endpoint.secret, eventId, timestamp, payload)),
			},
			body: payload,
			// A redirect is not followed: it could point anywhere, past the URL check.
			redirect: "manual",
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		await response.body?.cancel();
		return {
			status: response.status,
			error: response.ok ? null : `HTTP ${response.status}`,
			durationMs: Date.now() - started,
		};
	} catch (err) {
		return { status: null, error: String(err).slice(0, MAX_ERROR_LENGTH), durationMs: Date.now() - started };
	}
}

function retry(message: Message<unknown>, reason: string): void {
	retryLater(message, "webhook delivery", reason);
}
