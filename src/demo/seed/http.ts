// The seed's HTTP side: Tapline's API as any client calls it, plus the seed Worker's clock.

export class SeedHttpError extends Error {}

export function createApi(baseUrl: string, adminToken: string) {
	let apiKey = "";
	const call = async <T>(method: string, path: string, body?: unknown, token = apiKey): Promise<T> => {
		const res = await fetch(`${baseUrl}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body === undefined ? {} : { "content-type": "application/json" }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new SeedHttpError(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
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
		/** Moves the seed Worker's clock (src/demo/seed-worker.ts) to this moment. */
		setClock: (at: number) => call<{ now: number }>("POST", "/__seed/clock", { at }, adminToken),
		/** Runs the Worker's cron as of this moment, as `wrangler dev` lets one do by hand. */
		scheduled: async (at: number) => {
			const res = await fetch(`${baseUrl}/cdn-cgi/handler/scheduled?time=${at}`);
			const text = await res.text();
			if (!res.ok) throw new SeedHttpError(`the cron run answered ${res.status}: ${text.slice(0, 500)}`);
		},
		/** A GET of a short link as a phone or a fetcher makes it; answers the click id of the redirect, if any. */
		tap: async (code: string, headers: Record<string, string>): Promise<{ status: number; tlid: string | null }> => {
			const res = await fetch(`${baseUrl}/${code}`, { redirect: "manual", headers });
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
			});
			const text = await res.text();
			if (!res.ok) throw new SeedHttpError(`POST ${path} answered ${res.status}: ${text.slice(0, 500)}`);
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `done` holds: the queues are asynchronous, so the seed waits for the consumers to catch up before a step
 * that depends on what they write (a purchase needs its tap stored, the cron needs the day's taps and purchases).
 */
export async function waitFor<T>(
	what: string,
	read: () => Promise<T>,
	done: (value: T) => boolean,
	timeoutMs = 90_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) {
			throw new SeedHttpError(
				`gave up waiting for ${what} after ${timeoutMs / 1000} s: ${JSON.stringify(value).slice(0, 400)}`,
			);
		}
		await sleep(250);
	}
}
