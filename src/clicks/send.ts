import { randomAlphanumeric } from "../db/ids";
import { TAPS_MESSAGE_VERSION, type TapsMessage } from "../events/messages";
import type { TapEvent } from "./tap-event";

// 20 letters and digits: ~119 bits, unguessable, and short enough for a query parameter.
export const newClickId = randomAlphanumeric(20);

// Taps are packed: the taps one isolate serves within FLUSH_DELAY_MS travel in one queue message, because a queue
// operation costs more than the rest of the redirect (locally and on the bill, which counts messages). A pack is
// sent at once when it reaches MAX_TAPS or MAX_BYTES (a queue message may hold 128 KB).
export const FLUSH_DELAY_MS = 50;
export const MAX_TAPS = 100;
const MAX_BYTES = 96_000;
// The other requests of a pack look at it after CHECK_MS, then every RECHECK_MS. Should the request that sends it
// have died (the pack still unsent after FALLBACK_MS), each sends its own tap alone; the consumer counts a click id
// once, so a tap sent twice is still counted once.
const CHECK_MS = 100;
const RECHECK_MS = 250;
export const FALLBACK_MS = 5_000;
const SEND_TIMEOUT_MS = 2_000;
const RETRY_DELAYS_MS = [50, 250];

interface Pack {
	taps: TapEvent[];
	bytes: number;
	state: "open" | "sending" | "done";
}

// Keyed by the binding, so that a pack goes to the queue its taps were meant for.
const openPacks = new WeakMap<Queue, Pack>();

/**
 * Hands a tap to the events queue; the promise (for `waitUntil`) settles once a message carrying the tap has been
 * sent, or the failure has been logged. Never rejects: a lost log line must not break a redirect.
 *
 * Requests share only plain data. The request that opens a pack sends it after FLUSH_DELAY_MS (or the one that fills
 * it, at once), with its own I/O; the others watch the pack with their own timers. No request awaits or resolves
 * another's promise: Workers refuse I/O across requests and cancel continuations whose request has ended.
 */
export function queueTap(queue: Queue, tap: TapEvent): Promise<void> {
	let pack = openPacks.get(queue);
	if (!pack) {
		pack = { taps: [], bytes: 0, state: "open" };
		openPacks.set(queue, pack);
	}
	pack.taps.push(tap);
	pack.bytes += approximateBytes(tap);
	if (pack.taps.length >= MAX_TAPS || pack.bytes >= MAX_BYTES) return sendPack(queue, pack);
	if (pack.taps.length === 1) return sleep(FLUSH_DELAY_MS).then(() => sendPack(queue, pack));
	return watch(queue, pack, tap);
}

async function sendPack(queue: Queue, pack: Pack): Promise<void> {
	if (pack.state !== "open") return; // filled and sent by another request before this one's delay ran out
	pack.state = "sending";
	if (openPacks.get(queue) === pack) openPacks.delete(queue);
	await sendTaps(queue, pack.taps);
	pack.state = "done";
}

async function watch(queue: Queue, pack: Pack, tap: TapEvent): Promise<void> {
	let waited = CHECK_MS;
	await sleep(CHECK_MS);
	while (pack.state !== "done") {
		if (waited >= FALLBACK_MS) {
			console.error(JSON.stringify({ msg: "tap pack not sent in time; sending the tap alone", tap: tap.id }));
			await sendTaps(queue, [tap]);
			return;
		}
		await sleep(RECHECK_MS);
		waited += RECHECK_MS;
	}
}

/** Sends taps as one message, retrying a failed or hung send; never throws. */
export async function sendTaps(queue: Queue, taps: TapEvent[]): Promise<boolean> {
	const message: TapsMessage = { v: TAPS_MESSAGE_VERSION, type: "taps", taps };
	for (let attempt = 0; ; attempt++) {
		try {
			await withTimeout(queue.send(message, { contentType: "json" }), SEND_TIMEOUT_MS);
			return true;
		} catch (err) {
			const delay = RETRY_DELAYS_MS[attempt];
			if (delay === undefined) {
				// Loud on purpose: these taps are lost. Click ids only, never user agents or IPs.
				console.error(
					JSON.stringify({
						msg: "taps not queued",
						count: taps.length,
						taps: taps.map((t) => t.id),
						error: String(err),
					}),
				);
				return false;
			}
			await sleep(delay);
		}
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | null = null;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`queue send timed out after ${ms} ms`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// An upper bound on the tap's JSON size: fixed fields, plus the free-text ones at up to 3 UTF-8 bytes per char.
function approximateBytes(tap: TapEvent): number {
	const text =
		(tap.userAgent?.length ?? 0) +
		(tap.referer?.length ?? 0) +
		(tap.region?.length ?? 0) +
		(tap.city?.length ?? 0) +
		(tap.prefetch ? JSON.stringify(tap.prefetch).length : 0);
	return 600 + 3 * text;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
