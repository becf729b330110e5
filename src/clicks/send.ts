import { randomAlphanumeric } from "../db/ids";
import { type TapEvent, TapsEnvelope } from "./tap-event";

// 20 letters and digits: ~119 bits, unguessable, and short enough for a query parameter.
export const newClickId = randomAlphanumeric(20);

// Taps are packed: the taps one isolate serves within FLUSH_DELAY_MS travel in one queue message, because a queue
// operation costs more than the rest of the redirect (locally and on the bill, which counts messages). A pack is
// sent at once when it reaches MAX_TAPS or MAX_BYTES (a queue message may hold 128 KB).
export const FLUSH_DELAY_MS = 50;
export const MAX_TAPS = 250;
const MAX_BYTES = 112_000;
// Two requests answer for each pack: the one that opened it sends it, and the next one to join watches it (after
// CHECK_MS, then every RECHECK_MS). Should the sender have died, the pack still unsent after FALLBACK_MS, the
// watcher sends it. A pack sent twice is still counted once: the consumer ignores click ids it has stored.
const CHECK_MS = 100;
const RECHECK_MS = 250;
export const FALLBACK_MS = 5_000;
const SEND_TIMEOUT_MS = 2_000;
const RETRY_DELAYS_MS = [50, 250];

interface Pack {
	taps: TapEvent[];
	bytes: number;
	state: "open" | "sending" | "sent";
}

// Keyed by the binding, so that a pack goes to the queue its taps were meant for.
const openPacks = new WeakMap<Queue, Pack>();

/**
 * Puts a tap in the isolate's open pack. Answers a promise for `waitUntil` when this request is one of the two that
 * answer for the pack (it settles once the pack is sent or its loss logged, and never rejects: a lost log line must
 * not break a redirect), or null when two others already do, which spares most taps a timer and a `waitUntil`.
 *
 * Requests share only plain data: each sends with its own I/O and waits on its own timers. None awaits or resolves
 * another's promise, since Workers refuse I/O across requests and cancel continuations whose request has ended.
 */
export function queueTap(queue: Queue, tap: TapEvent): Promise<void> | null {
	try {
		return addToPack(queue, tap);
	} catch (err) {
		console.error(JSON.stringify({ msg: "tap not queued", tap: tap.id, error: String(err) }));
		return null;
	}
}

function addToPack(queue: Queue, tap: TapEvent): Promise<void> | null {
	let pack = openPacks.get(queue);
	if (!pack) {
		pack = { taps: [], bytes: 0, state: "open" };
		openPacks.set(queue, pack);
	}
	pack.taps.push(tap);
	pack.bytes += approximateBytes(tap);
	if (pack.taps.length >= MAX_TAPS || pack.bytes >= MAX_BYTES) return sendPack(queue, pack);
	if (pack.taps.length === 1) return sleep(FLUSH_DELAY_MS).then(() => sendPack(queue, pack));
	if (pack.taps.length === 2) return watch(queue, pack);
	return null;
}

async function sendPack(queue: Queue, pack: Pack): Promise<void> {
	if (pack.state !== "open") return; // filled and sent by another request before this one's delay ran out
	pack.state = "sending";
	if (openPacks.get(queue) === pack) openPacks.delete(queue);
	await sendTaps(queue, pack.taps);
	pack.state = "sent";
}

async function watch(queue: Queue, pack: Pack): Promise<void> {
	let waited = CHECK_MS;
	await sleep(CHECK_MS);
	while (pack.state !== "sent") {
		if (waited >= FALLBACK_MS) {
			console.error(JSON.stringify({ msg: "tap pack not sent in time; the watcher sends it", taps: pack.taps.length }));
			if (openPacks.get(queue) === pack) openPacks.delete(queue);
			pack.state = "sending";
			await sendTaps(queue, pack.taps);
			pack.state = "sent";
			return;
		}
		await sleep(RECHECK_MS);
		waited += RECHECK_MS;
	}
}

/** Sends taps as one message, retrying a failed or hung send; never throws. */
export async function sendTaps(queue: Queue, taps: TapEvent[]): Promise<boolean> {
	const message = TapsEnvelope.wrap({ taps });
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

// An upper bound on the tap's JSON size in UTF-8. Our own fields (ids, codes, numbers, method) stay under
// FIXED_BYTES; free text counts a byte a character when it is plain printable ASCII (nearly every user agent), and
// six when anything in it may need an escape or several bytes.
const FIXED_BYTES = 500;
// Printable ASCII but `"` and `\`: the characters JSON writes as themselves, in one byte each.
const PLAIN = /^[ !#-[\]-~]*$/;

function approximateBytes(tap: TapEvent): number {
	let bytes = FIXED_BYTES;
	for (const text of [tap.userAgent, tap.referer, tap.region, tap.city, tap.variant]) {
		if (text) bytes += PLAIN.test(text) ? text.length : 6 * text.length;
	}
	if (tap.prefetch) bytes += 6 * JSON.stringify(tap.prefetch).length;
	return bytes;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
