import { sendInBatches } from "../queue/send-in-batches";
import { DeliveryEnvelope, type WebhookEvent } from "./events";
import { type Endpoint, endpointsOf } from "./queries";

// Each isolate remembers a workspace's endpoints for 30 s, so that emitting costs no query for the many workspaces
// without any. A new endpoint is seen at once by the isolate that created it, within 30 s by the others.
const TTL_MS = 30_000;
const MAX_CACHED = 10_000;
const cache = new Map<string, { at: number; endpoints: Endpoint[] }>();

export function forgetEndpoints(workspaceId: string): void {
	cache.delete(workspaceId);
}

async function endpointsFor(d1: D1Database, workspaceIds: string[], now: number): Promise<Map<string, Endpoint[]>> {
	const stale = workspaceIds.filter((id) => {
		const hit = cache.get(id);
		return !hit || now - hit.at > TTL_MS;
	});
	if (stale.length > 0) {
		const found = await endpointsOf(d1, stale);
		if (cache.size + stale.length > MAX_CACHED) cache.clear();
		for (const id of stale) cache.set(id, { at: now, endpoints: found.filter((e) => e.workspaceId === id) });
	}
	return new Map(workspaceIds.map((id) => [id, cache.get(id)?.endpoints ?? []]));
}

/**
 * Queues one delivery per (event, endpoint subscribed to its type). Called after the write that made the event
 * true; a failure is thrown, so the caller's queue message is retried and the event emitted again (receivers
 * de-duplicate on the event id).
 */
export async function emitEvents(
	env: Env,
	events: WebhookEvent[],
	options: {
		/** Narrows the events down, run only when some endpoint wants one (it may cost a query). */
		keep?: (events: WebhookEvent[]) => Promise<WebhookEvent[]>;
		now?: number;
	} = {},
): Promise<number> {
	if (events.length === 0) return 0;
	const endpoints = await endpointsFor(
		env.DB,
		[...new Set(events.map((e) => e.workspaceId))],
		options.now ?? Date.now(),
	);
	let wanted = events.filter((e) => endpoints.get(e.workspaceId)?.some((endpoint) => endpoint.events.includes(e.type)));
	if (wanted.length > 0 && options.keep) wanted = await options.keep(wanted);
	const deliveries: MessageSendRequest<DeliveryEnvelope>[] = [];
	for (const event of wanted) {
		for (const endpoint of endpoints.get(event.workspaceId) ?? []) {
			if (!endpoint.events.includes(event.type)) continue;
			deliveries.push({
				body: DeliveryEnvelope.wrap({ endpointId: endpoint.id, event }),
				contentType: "json",
			});
		}
	}
	await sendInBatches(env.WEBHOOKS, deliveries);
	return deliveries.length;
}
