// The seed's HTTP side: Tapline's API as any client calls it, plus the seed Worker's clock.
import { setTimeout } from "node:timers/promises";

// One request may take long (the cron run over a day's taps) but never for ever.
const REQUEST_TIMEOUT_MS = 120_000;

export function createApi(baseUrl: string, adminToken: string) {
	let apiKey = "";
	// Where the seed Worker's clock was last set, and when (real time): it only ever moves forward.
	let clock: { at: number; real: number } | null = null;
	const call = async <T>(method: string, path: string, body?: unknown, token = apiKey): Promise<T> => {
		const res = await fetch(`${baseUrl}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
		return (text ? JSON.parse(text) : null) as T;
	};
	return {
		baseUrl,
		useKey: (key: string) => {
			apiKey = key;
		},
		get: <T>(path: string) => call<T>("GET", path),
		post: <T>(path: string, body: unknown) => call<T>("POST", path, body),
		admin: <T>(path: string, body: unknown) => call<T>("POST", path, body, adminToken),
		/**
		 * Moves the seed Worker's clock (src/demo/seed-worker.ts) to this moment, or keeps it where it has got to when
		 * the work since the last move took longer than the step to this one: a clock set back would stamp taps
		 * before the SMS that carried them.
		 */
		setClock: async (at: number) => {
			const target = clock ? Math.max(at, clock.at + (Date.now() - clock.real)) : at;
			await call<{ now: number }>("POST", "/__seed/clock", { at: target }, adminToken);
			clock = { at: target, real: Date.now() };
		},
		/** Runs the Worker's cron as of this moment, as `wrangler dev` lets one do by hand. */
		scheduled: async (at: number) => {
			const res = await fetch(`${baseUrl}/cdn-cgi/handler/scheduled?time=${at}`, {
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
			const text = await res.text();
			if (!res.ok) throw new Error(`the cron run answered ${res.status}: ${text.slice(0, 500)}`);
		},
		/** A GET of a short link as a phone or a fetcher makes it; answers the click id of the redirect, if any. */
		tap: async (code: string, headers: Record<string, string>): Promise<{ status: number; tlid: string | null }> => {
			const res = await fetch(`${baseUrl}/${code}`, {
				redirect: "manual",
				headers,
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
			await res.arrayBuffer();
			const location = res.headers.get("location");
			return { status: res.status, tlid: location ? new URL(location).searchParams.get("tlid") : null };
		},
		/** A form post, as Twilio makes its webhooks. */
		form: async (path: string, params: URLSearchParams, headers: Record<string, string>) => {
			const res = await fetch(`${baseUrl}${path}`, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
				body: params.toString(),
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
			const text = await res.text();
			if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 500)}`);
		},
	};
}
export type Api = ReturnType<typeof createApi>;

/** Runs `task` over `items`, at most `concurrency` at once. */
export async function inPool<T>(
	items: readonly T[],
	concurrency: number,
	task: (item: T) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await task(items[next++] as T);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Polls until `done` holds: the queues are asynchronous, so the seed waits for the consumers to catch up before a step
 * that depends on what they write (a purchase needs its tap stored, the cron needs the day's taps and purchases).
 * It gives up only when what it reads stops changing for `stallMs`, so a large seed may take as long as it needs.
 */
export async function waitFor<T>(
	what: string,
	read: () => Promise<T>,
	done: (value: T) => boolean,
	stallMs = 90_000,
): Promise<T> {
	let last = "";
	let changedAt = Date.now();
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		const seen = JSON.stringify(value);
		if (seen !== last) {
			last = seen;
			changedAt = Date.now();
		} else if (Date.now() - changedAt > stallMs) {
			throw new Error(`gave up waiting for ${what}: no change in ${stallMs / 1000} s: ${seen.slice(0, 400)}`);
		}
		await setTimeout(250);
	}
}
