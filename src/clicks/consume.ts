import { emitEvents } from "../outbound-webhooks/emit";
import { linkClicked, type WebhookEvent } from "../outbound-webhooks/events";
import { type Received, retryLater } from "../queue/policy";
import { type Pending, writeTogether } from "../queue/write-together";
import { type ClickRow, toClickRow } from "./click-row";
import { recordClicks, storedClickIds } from "./queries";
import type { TapsEnvelope } from "./tap-event";

/**
 * The taps of one events-queue batch: classified and parsed here (off the redirect), then written in one D1 batch,
 * exactly once per click id. Outbound webhooks go out after the write that made them true; if emitting fails the
 * message is retried, the write is a no-op the second time, and the events are emitted again (their ids let
 * receivers de-duplicate).
 */
export async function consumeTaps(env: Env, received: Received<TapsEnvelope>[]): Promise<void> {
	const taps: Pending<ClickRow>[] = [];
	for (const { message, body } of received) {
		try {
			taps.push({ message, rows: body.taps.map(toClickRow) });
		} catch (err) {
			// Parsing is pure, so this is a bug: retried, and after max_retries dead-lettered for a look.
			retryLater(message, "tap parse", err);
		}
	}
	await writeTogether("tap write", taps, async (rows) => {
		await recordClicks(env.DB, rows);
		// Only taps the aggregator kept: one on a link deleted (or erased) before it was made is not a click.
		await emitEvents(env, rows.filter((r) => r.human === 1).map(clickedEvent), {
			keep: (events) => storedClicks(env.DB, events),
		});
	});
}

async function storedClicks(d1: D1Database, events: WebhookEvent[]): Promise<WebhookEvent[]> {
	const clickIdOf = (e: WebhookEvent) => ("clickId" in e.data ? e.data.clickId : null);
	const stored = await storedClickIds(
		d1,
		events.map(clickIdOf).filter((id): id is string => id !== null),
	);
	return events.filter((e) => stored.has(clickIdOf(e) ?? ""));
}

const clickedEvent = (r: ClickRow) =>
	linkClicked({
		clickId: r.id,
		workspaceId: r.workspaceId,
		campaignId: r.campaignId,
		linkCode: r.linkCode,
		contactId: r.contactId,
		variant: r.variant,
		clickedAt: r.clickedAt,
		deviceType: r.deviceType,
		os: r.os,
		country: r.country,
	});
