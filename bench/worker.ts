// The plumbing every part shares: the bundles, the Worker in Miniflare with a direct socket into workerd (no proxy
// in front), calls to its API, and the bench routes that hold, release and count the queue consumer.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { descendantsNamed } from "./proc.ts";
import { ADMIN_TOKEN, BIN, OUT, ROOT } from "./settings.ts";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Build: the production bundle (for its size and startup) and the bench bundle (the same app plus two bench routes).

export const WRANGLER_BUILD = "wrangler deploy --dry-run --outdir";
export function build(outdir: string, entry?: string): string {
	execFileSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir, ...(entry ? [entry] : [])], {
		cwd: ROOT,
		stdio: ["ignore", "ignore", "inherit"],
		// wrangler's shebang asks PATH for node: make it the Node 22 of node_modules/.bin, as npm scripts do.
		env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
	});
	const js = readdirSync(outdir).find((f) => f.endsWith(".js"));
	if (!js) throw new Error(`no bundle in ${outdir}`);
	return join(outdir, js);
}

// ---------------------------------------------------------------------------------------------------------------
// The Worker in Miniflare, with a direct socket into workerd (no proxy in front).

export async function startWorker(bundle: string, persist: string) {
	const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
	const mf = new Miniflare(
		convertV4MiniflareOptions({
			...(workerOptions as Record<string, unknown>),
			name: "tapline",
			modules: [{ type: "ESModule", path: bundle }],
			modulesRoot: OUT,
			bindings: { ...(workerOptions.bindings as Record<string, unknown>), ADMIN_TOKEN },
			// This Miniflare ignores d1Persist: D1 lives under resourcePersistencePath/d1.
			resourcePersistencePath: persist,
			unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
			log: process.env.BENCH_LOG ? new Log(LogLevel.INFO) : undefined,
		} as Parameters<typeof convertV4MiniflareOptions>[0]),
	);
	await mf.ready;
	const url = await mf.unsafeGetDirectURL("tapline");
	const db = await mf.getD1Database("DB");
	for (const file of readdirSync(join(ROOT, "migrations"))
		.filter((f) => f.endsWith(".sql"))
		.sort()) {
		const statements = unstable_splitSqlQuery(readFileSync(join(ROOT, "migrations", file), "utf8"));
		await db.batch(statements.map((sql) => db.prepare(sql)));
	}
	return { mf, db, url, port: Number(url.port), pids: descendantsNamed("workerd"), persist };
}
export type Worker = Awaited<ReturnType<typeof startWorker>>;

export async function api<T>(worker: Worker, path: string, key: string, body?: unknown): Promise<T> {
	const res = await fetch(new URL(path, worker.url), {
		method: body === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

export const clickCount = async (worker: Worker) =>
	((await worker.db.prepare("SELECT count(*) AS n FROM clicks").first<{ n: number }>())?.n ?? 0) as number;
export const consumerStats = async (worker: Worker) =>
	(await (await fetch(new URL("/__bench/stats", worker.url))).json()) as {
		batches: number;
		messages: number;
		taps: number;
		d1Batches: number;
		d1Statements: number;
	};

/** Holds or releases the queue consumer (bench/worker-entry.ts), so that it never runs while load is applied. */
export const consumer = async (worker: Pick<Worker, "url">, action: "hold" | "release") =>
	void (await (await fetch(new URL(`/__bench/consumer/${action}`, worker.url), { method: "POST" })).arrayBuffer());

/**
 * Lets the queue consumer catch up: releases it, waits until D1 holds `expected` clicks (or `limitMs` has passed),
 * and holds it again for the next run.
 */
export async function drain(worker: Worker, expected: number, limitMs = 60_000): Promise<number> {
	await consumer(worker, "release");
	const until = performance.now() + limitMs;
	let n = await clickCount(worker);
	while (n < expected && performance.now() < until) {
		await sleep(100);
		n = await clickCount(worker);
	}
	await consumer(worker, "hold");
	return n;
}
