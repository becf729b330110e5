import { randomAlphanumeric } from "../db/ids";
import { TAPS_MESSAGE_VERSION, type TapsMessage } from "../events/messages";
import type { TapEvent } from "./tap-event";

// 20 letters and digits: ~119 bits, unguessable, and short enough for a query parameter.
export const newClickId = randomAlphanumeric(20);

/** Puts taps on the events queue. Never throws: a lost log line must not turn into a failed redirect. */
export async function sendTaps(env: Env, taps: TapEvent[]): Promise<void> {
	const message: TapsMessage = { v: TAPS_MESSAGE_VERSION, type: "taps", taps };
	try {
		await env.EVENTS.send(message, { contentType: "json" });
	} catch (err) {
		console.error(JSON.stringify({ msg: "tap not queued", taps: taps.map((t) => t.id), error: String(err) }));
	}
}
