// The one fake of a Cloudflare Queue producer the Workers-runtime tests use: it records what the code under test
// sends, held to the limits the real queue enforces, or refuses as a queue that is down.

export interface Sent<Body = unknown> {
	body: Body;
	delaySeconds?: number;
}

/** What a call to `send` does: go through, fail, or never settle (a queue that hangs). */
export type QueueOutcome = "fail" | "hang" | null;

export type CapturingQueue<Body = unknown> = Queue & {
	/** Every message accepted, in order, with the delay it was sent with. */
	readonly sent: Sent<Body>[];
	/** The accepted bodies alone. */
	bodies(): Body[];
	/** How many `send` and `sendBatch` calls were made, accepted or not. */
	calls(): number;
};

// Cloudflare Queues' limits (platform-limits.md): a message up to 128 KB, a batch up to 100 messages and 256 KB,
// a delay up to 12 hours.
const MAX_MESSAGE = 128_000;
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH = 256_000;
const MAX_DELAY_SECONDS = 43_200;

function check(body: unknown, delaySeconds?: number): void {
	if (JSON.stringify(body).length > MAX_MESSAGE) throw new Error("queue message over 128 KB");
	if (delaySeconds !== undefined && (delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS)) {
		throw new Error(`bad delay: ${delaySeconds}`);
	}
}

/**
 * Records what is sent instead of delivering it. `refuse` decides, per call (counted from 1), whether that call fails
 * or hangs instead; by default every call goes through.
 */
export function capturingQueue<Body = unknown>(
	refuse: (call: number) => QueueOutcome = () => null,
): CapturingQueue<Body> {
	const sent: Sent<Body>[] = [];
	let calls = 0;
	const attempt = (accept: () => void): Promise<void> => {
		const outcome = refuse(++calls);
		if (outcome === "fail") return Promise.reject(new Error("queue unavailable"));
		if (outcome === "hang") return new Promise(() => {});
		try {
			accept();
			return Promise.resolve();
		} catch (error) {
			return Promise.reject(error);
		}
	};
	const queue = {
		sent,
		bodies: () => sent.map((s) => s.body),
		calls: () => calls,
		send(body: Body, options?: QueueSendOptions) {
			return attempt(() => {
				check(body, options?.delaySeconds);
				sent.push({ body, delaySeconds: options?.delaySeconds });
			});
		},
		sendBatch(messages: Iterable<MessageSendRequest<Body>>) {
			return attempt(() => {
				const list = [...messages];
				if (list.length > MAX_BATCH_MESSAGES) throw new Error("sendBatch over 100 messages");
				if (JSON.stringify(list.map((m) => m.body)).length > MAX_BATCH) throw new Error("sendBatch over 256 KB");
				for (const m of list) check(m.body, m.delaySeconds);
				for (const m of list) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
			});
		},
	};
	return queue as unknown as CapturingQueue<Body>;
}

/** A queue that is down: every send fails. */
export function refusingQueue(): Queue {
	return capturingQueue(() => "fail");
}
