// The work queues whose dead letters are kept, and what replays to each. The names are wrangler.toml's.

export const WORK_QUEUES = {
	"tapline-events": "EVENTS",
	"tapline-sends": "SENDS",
	"tapline-webhooks": "WEBHOOKS",
} as const satisfies Record<string, keyof Env>;
export type WorkQueue = keyof typeof WORK_QUEUES;

/** Each dead-letter queue, by name, and the work queue it holds the failures of. */
export const DEAD_LETTER_QUEUES = {
	"tapline-events-dlq": "tapline-events",
	"tapline-sends-dlq": "tapline-sends",
	"tapline-webhooks-dlq": "tapline-webhooks",
} as const satisfies Record<string, WorkQueue>;

export function isWorkQueue(name: string): name is WorkQueue {
	return Object.hasOwn(WORK_QUEUES, name);
}

/** The producer binding a dead letter of `queue` is replayed with. */
export function replayTarget(env: Env, queue: WorkQueue): Queue {
	return env[WORK_QUEUES[queue]];
}
