// `npm run bench`: the Worker in Miniflare (wrangler's own copy, the bundle `wrangler deploy --dry-run` makes, D1
// and Queues as wrangler.toml configures them), driven straight through a socket into workerd. Prints a table and
// writes bench/RESULTS.md. Every comparison is a ratio against a baseline measured in the same run.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { SNIPPET_JS } from "../src/purchases/snippet.ts";
import { benchFollowUps } from "./follow-ups.ts";
import { type LoadResult, runLoad } from "./load.ts";
import { cpuSeconds, descendantsNamed, peakRss, processTree } from "./proc.ts";
import { writeResults } from "./report.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const OUT = join(ROOT, "bench", ".out");
const ADMIN_TOKEN = "bench-admin";
const CONNECTIONS = 10;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 4_000);
const WARMUP_MS = 1_500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RECIPIENTS = 100_000;
const PER_REQUEST = 10_000;
const WARM_CODES = 1_000;
const IPHONE =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const WHATSAPP = "WhatsApp/2.23.20.0 A";

const started = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Build: the production bundle (for its size and startup) and the bench bundle (the same app plus two bench routes).

const WRANGLER_BUILD = "wrangler deploy --dry-run --outdir";
function build(outdir: string, entry?: string): string {
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

async function startWorker(bundle: string, persist: string) {
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
type Worker = Awaited<ReturnType<typeof startWorker>>;

async function api<T>(worker: Worker, path: string, key: string, body?: unknown): Promise<T> {
	const res = await fetch(new URL(path, worker.url), {
		method: body === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

const clickCount = async (worker: Worker) =>
	((await worker.db.prepare("SELECT count(*) AS n FROM clicks").first<{ n: number }>())?.n ?? 0) as number;
const consumerStats = async (worker: Worker) =>
	(await (await fetch(new URL("/__bench/stats", worker.url))).json()) as {
		batches: number;
		messages: number;
		taps: number;
		d1Batches: number;
		d1Statements: number;
	};

/** Holds or releases the queue consumer (bench/worker-entry.ts), so that it never runs while load is applied. */
const consumer = async (worker: Worker, action: "hold" | "release") =>
	void (await (await fetch(new URL(`/__bench/consumer/${action}`, worker.url), { method: "POST" })).arrayBuffer());

/**
 * Lets the queue consumer catch up: releases it, waits until D1 holds `expected` clicks (or `limitMs` has passed),
 * and holds it again for the next run.
 */
async function drain(worker: Worker, expected: number, limitMs = 60_000): Promise<number> {
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

// ---------------------------------------------------------------------------------------------------------------
// Part 2: minting through the public API.

function phone(i: number): string {
	// New York numbers +1 212 2xx xxxx: valid for libphonenumber and all distinct.
	return `+1212${String(2_000_000 + i)}`;
}

async function benchMinting(worker: Worker) {
	const { apiKey: key } = await api<{ apiKey: string }>(worker, "/api/v1/workspaces", ADMIN_TOKEN, { name: "Bench" });
	const { campaign } = await api<{ campaign: { id: string } }>(worker, "/api/v1/campaigns", key, {
		name: "Bench Sale",
		stage: "consideration",
		destinationUrl: "https://shop.example/sale?ref=sms",
	});
	const mintAll = async () => {
		const codes: string[] = [];
		const t = performance.now();
		for (let from = 0; from < RECIPIENTS; from += PER_REQUEST) {
			const recipients = Array.from({ length: PER_REQUEST }, (_, i) => ({
				phone: phone(from + i),
				variant: (from + i) % 2 ? "A" : "B",
			}));
			const { links } = await api<{ links: { code: string }[] }>(
				worker,
				`/api/v1/campaigns/${campaign.id}/links`,
				key,
				{ recipients },
			);
			for (const link of links) codes.push(link.code);
		}
		return { codes, seconds: (performance.now() - t) / 1000 };
	};
	const first = await peakRss(worker.pids, mintAll);
	const again = await peakRss(worker.pids, mintAll);
	const same = first.result.codes.every((code, i) => again.result.codes[i] === code);
	const rows = await worker.db
		.prepare("SELECT count(*) AS n FROM links WHERE campaign_id = ?")
		.bind(campaign.id)
		.first<{ n: number }>();
	return { key, campaignId: campaign.id, codes: first.result.codes, first, again, same, linkRows: rows?.n ?? 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 1: the redirect against the bare route, in alternating rounds.

interface Scenario {
	name: string;
	what: string;
	target: "worker" | "node-bare" | "node-sqlite";
	userAgent: string;
	/** Taps this scenario's 302s log (so the drain knows how many clicks to wait for). */
	taps: boolean;
	nextPath: () => string;
	prepare?: () => Promise<void>;
}

interface Run extends LoadResult {
	cpuUsPerRequest: number;
}

async function measure(port: number, pids: number[], scenario: Scenario, durationMs: number): Promise<Run> {
	const cpuBefore = cpuSeconds(pids);
	const result = await runLoad({
		port,
		connections: CONNECTIONS,
		durationMs,
		nextPath: scenario.nextPath,
		userAgent: scenario.userAgent,
	});
	const cpu = cpuSeconds(pids) - cpuBefore;
	return { ...result, cpuUsPerRequest: result.requests ? (cpu * 1e6) / result.requests : 0 };
}

function spawnRef(mode: "bare" | "sqlite", file: string): Promise<{ child: ChildProcess; port: number }> {
	const child = spawn(join(BIN, "node"), ["--no-warnings", join(ROOT, "bench", "ref-server.ts"), mode, file], {
		stdio: ["ignore", "pipe", "inherit"],
	});
	return new Promise((resolve, reject) => {
		child.stdout?.once("data", (data: Buffer) => resolve({ child, port: Number(data.toString().trim()) }));
		child.once("exit", (code) => reject(new Error(`ref server exited with ${code}`)));
	});
}

async function benchRedirect(worker: Worker, codes: string[], tmp: string) {
	const warm = codes.slice(0, WARM_CODES);
	let nextCold = WARM_CODES;
	let i = 0;
	const cycleWarm = () => `/${warm[i++ % warm.length]}`;
	const randomCode = () => {
		const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
		let code = "";
		for (let k = 0; k < 7; k++) code += abc[Math.floor(Math.random() * abc.length)];
		return `/${code}`;
	};
	// Re-touches the warm codes: taps on fresh codes may have pushed some out of the isolate's cache.
	const touchWarm = async () => {
		let k = 0;
		await runLoad({
			port: worker.port,
			connections: CONNECTIONS,
			durationMs: 60_000,
			maxRequests: warm.length,
			userAgent: IPHONE,
			nextPath: () => `/${warm[k++ % warm.length]}`,
		});
	};

	const sqliteFile = join(tmp, "links.sqlite");
	const sqlite = new DatabaseSync(sqliteFile);
	sqlite.exec("CREATE TABLE links (code TEXT PRIMARY KEY, destination TEXT NOT NULL)");
	const insert = sqlite.prepare("INSERT INTO links VALUES (?, ?)");
	sqlite.exec("BEGIN");
	for (const code of codes) insert.run(code, `https://shop.example/sale?ref=sms&utm_source=sms&tlid=${code}`);
	sqlite.exec("COMMIT");
	sqlite.close();
	const nodeBare = await spawnRef("bare", sqliteFile);
	const nodeSqlite = await spawnRef("sqlite", sqliteFile);

	const scenarios: Scenario[] = [
		{
			name: "bare",
			what: "GET /__bench/bare: constant 302 through the same Hono app",
			target: "worker",
			userAgent: IPHONE,
			taps: false,
			nextPath: () => "/__bench/bare",
		},
		{
			name: "warm",
			what: `known link, cache warm (${WARM_CODES} codes in turn), click logged`,
			target: "worker",
			userAgent: IPHONE,
			taps: true,
			nextPath: cycleWarm,
			prepare: touchWarm,
		},
		{
			name: "cold",
			what: "known link never looked up before: D1 lookup, click logged",
			target: "worker",
			userAgent: IPHONE,
			taps: true,
			nextPath: () => `/${codes[nextCold++ % codes.length]}`,
		},
		{
			name: "unknown",
			what: "random unknown codes: D1 lookup each, 404",
			target: "worker",
			userAgent: IPHONE,
			taps: false,
			nextPath: randomCode,
		},
		{
			name: "bot",
			what: "known link, cache warm, WhatsApp preview user agent",
			target: "worker",
			userAgent: WHATSAPP,
			taps: true,
			nextPath: cycleWarm,
			prepare: touchWarm,
		},
		{
			name: "node-bare",
			what: "plain node:http 302 server (reference)",
			target: "node-bare",
			userAgent: IPHONE,
			taps: false,
			nextPath: () => "/x",
		},
		{
			name: "node-sqlite",
			what: "node:http + node:sqlite lookup per request, 302 (reference)",
			target: "node-sqlite",
			userAgent: IPHONE,
			taps: false,
			nextPath: cycleWarm,
		},
	];
	const where = (s: Scenario) =>
		s.target === "worker"
			? { port: worker.port, pids: worker.pids }
			: s.target === "node-bare"
				? { port: nodeBare.port, pids: nodeBare.child.pid ? [nodeBare.child.pid] : [] }
				: { port: nodeSqlite.port, pids: nodeSqlite.child.pid ? [nodeSqlite.child.pid] : [] };

	// BENCH_SCENARIOS=bare,warm runs a subset, for quick comparisons while working on the hot path.
	const only = process.env.BENCH_SCENARIOS?.split(",");
	if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter((sc) => only.includes(sc.name)));
	const runs: Record<string, Run[]> = Object.fromEntries(scenarios.map((s) => [s.name, []]));
	const tapLedger = { served: 0, stored: 0, drainMs: [] as number[] };
	let expectedClicks = await clickCount(worker);
	const statsBefore = await consumerStats(worker);
	await consumer(worker, "hold");
	for (let round = 0; round <= ROUNDS; round++) {
		const order = scenarios.map((_, k) => scenarios[(k + round) % scenarios.length] as Scenario);
		for (const scenario of order) {
			if (scenario.prepare) {
				const before = await clickCount(worker);
				await scenario.prepare();
				expectedClicks += WARM_CODES;
				await drain(worker, Math.max(expectedClicks, before));
			}
			const { port, pids } = where(scenario);
			const run = await measure(port, pids, scenario, round === 0 ? WARMUP_MS : ROUND_MS);
			if (scenario.taps) {
				const served = (run.byStatus[302] ?? 0) + (run.byStatus[503] ?? 0);
				expectedClicks += served;
				const t = performance.now();
				const stored = await drain(worker, expectedClicks);
				tapLedger.drainMs.push(performance.now() - t);
				if (round > 0) {
					tapLedger.served += served;
					tapLedger.stored += stored - (expectedClicks - served);
				}
				if (stored !== expectedClicks) log(`!! ${scenario.name}: ${stored} clicks in D1, ${expectedClicks} expected`);
				expectedClicks = stored;
			}
			if (round > 0) (runs[scenario.name] as Run[]).push(run);
			log(
				`${round === 0 ? "warm-up" : `round ${round}`} ${scenario.name}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99Ms.toFixed(2)} ms, ${run.cpuUsPerRequest.toFixed(0)} µs CPU/req ${JSON.stringify(run.byStatus)}`,
			);
		}
	}
	await consumer(worker, "release");
	const statsAfter = await consumerStats(worker);
	nodeBare.child.kill();
	nodeSqlite.child.kill();
	return {
		scenarios,
		runs,
		tapLedger,
		messages: statsAfter.messages - statsBefore.messages,
		taps: statsAfter.taps - statsBefore.taps,
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Part 3: the aggregator, fed through the real queue.

async function benchAggregator(worker: Worker, codes: string[], campaignId: string, workspaceId: string) {
	const EVENTS = 100_000;
	const TAPS_PER_MESSAGE = 100;
	const queue = await worker.mf.getQueueProducer("EVENTS");
	const at = Date.now();
	const messages = Array.from({ length: EVENTS / TAPS_PER_MESSAGE }, (_, m) => ({
		v: 1,
		type: "taps",
		taps: Array.from({ length: TAPS_PER_MESSAGE }, (_, t) => {
			const n = m * TAPS_PER_MESSAGE + t;
			return {
				id: `agg${String(n).padStart(17, "0")}`,
				at: at + n,
				code: codes[n % codes.length],
				workspaceId,
				campaignId,
				contactId: null as string | null,
				variant: n % 2 ? "A" : "B",
				method: "GET",
				userAgent: n % 10 === 0 ? WHATSAPP : IPHONE,
				prefetch: null,
				referer: null,
				country: "US",
				region: "New York",
				city: "New York",
				colo: "EWR",
			};
		}),
	}));
	const contactIds = await worker.db
		.prepare("SELECT code, contact_id AS contactId FROM links WHERE campaign_id = ?")
		.bind(campaignId)
		.all<{ code: string; contactId: string }>();
	const contactOf = new Map(contactIds.results.map((r) => [r.code, r.contactId]));
	for (const m of messages) for (const t of m.taps) t.contactId = contactOf.get(t.code ?? "") ?? null;

	const totals = async () =>
		await worker.db
			.prepare(
				"SELECT clicks, human_clicks AS human, bot_clicks AS bot, unique_humans AS uniqueHumans FROM campaign_stats WHERE campaign_id = ? AND dimension = 'total'",
			)
			.bind(campaignId)
			.first();
	// The messages are queued while the consumer is held, and timed from its release: sending them from Node through
	// Miniflare's proxy is slower than the consumer and is not what is measured.
	const deliverAll = async () => {
		await consumer(worker, "hold");
		const before = await consumerStats(worker);
		let t = performance.now();
		for (const m of messages) await queue.send(m, { contentType: "json" });
		const sendSeconds = (performance.now() - t) / 1000;
		const cpuBefore = cpuSeconds(worker.pids);
		t = performance.now();
		await consumer(worker, "release");
		let after = before;
		while (after.messages - before.messages < messages.length) {
			await sleep(50);
			after = await consumerStats(worker);
		}
		return {
			seconds: (performance.now() - t) / 1000,
			cpuSeconds: cpuSeconds(worker.pids) - cpuBefore,
			sendSeconds,
			batches: after.batches - before.batches,
			statements: after.d1Statements - before.d1Statements,
			d1Batches: after.d1Batches - before.d1Batches,
		};
	};
	const clicksBefore = await clickCount(worker);
	const first = await deliverAll();
	const clicksAfterFirst = await clickCount(worker);
	const totalsFirst = await totals();
	const again = await deliverAll();
	const clicksAfterAgain = await clickCount(worker);
	const totalsAgain = await totals();
	return {
		events: EVENTS,
		tapsPerMessage: TAPS_PER_MESSAGE,
		messages: messages.length,
		first,
		again,
		stored: clicksAfterFirst - clicksBefore,
		storedAgain: clicksAfterAgain - clicksAfterFirst,
		unchanged: JSON.stringify(totalsFirst) === JSON.stringify(totalsAgain),
		totals: totalsFirst,
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Part 5: bundle size and startup.

async function benchStartup(bundle: string) {
	const empty = join(OUT, "empty-worker.js");
	writeFileSync(empty, "export default { fetch() { return new Response('ok'); } };\n");
	const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
	const once = async (path: string) => {
		const t = performance.now();
		const mf = new Miniflare(
			convertV4MiniflareOptions({
				...(workerOptions as Record<string, unknown>),
				modules: [{ type: "ESModule", path }],
				modulesRoot: OUT,
			} as Parameters<typeof convertV4MiniflareOptions>[0]),
		);
		const res = await mf.dispatchFetch("http://localhost/robots.txt");
		await res.arrayBuffer();
		const ms = performance.now() - t;
		await mf.dispose();
		return ms;
	};
	const tapline: number[] = [];
	const baseline: number[] = [];
	for (let round = 0; round <= ROUNDS; round++) {
		const order = round % 2 ? ["empty", "tapline"] : ["tapline", "empty"];
		for (const which of order) {
			const ms = which === "tapline" ? await once(bundle) : await once(empty);
			if (round > 0) (which === "tapline" ? tapline : baseline).push(ms);
		}
	}
	return { tapline, baseline, extra: tapline.map((t, k) => t - (baseline[k] as number)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Informational: the same bench entry under `wrangler dev`, with its proxies in front of workerd.

async function benchWranglerDev(tmp: string) {
	const persist = join(tmp, "dev");
	const wrangler = (args: string[]) =>
		spawn(join(BIN, "wrangler"), args, {
			cwd: ROOT,
			detached: true,
			stdio: "ignore",
			env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
		});
	const apply = wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
	await new Promise((resolve) => apply.once("exit", resolve));
	const port = 20_000 + Math.floor(Math.random() * 20_000);
	const dev = wrangler([
		"dev",
		"bench/worker-entry.ts",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--inspector-port",
		String(port + 1),
		"--persist-to",
		persist,
		"--show-interactive-dev-session=false",
		"--var",
		`ADMIN_TOKEN:${ADMIN_TOKEN}`,
	]);
	try {
		const url = new URL(`http://127.0.0.1:${port}/`);
		for (let i = 0; ; i++) {
			const ok = await fetch(url).then(
				(r) => r.ok,
				() => false,
			);
			if (ok) break;
			if (i > 600) throw new Error("wrangler dev did not start");
			await sleep(100);
		}
		const worker = { url, port } as Worker;
		const { apiKey: key } = await api<{ apiKey: string }>(worker, "/api/v1/workspaces", ADMIN_TOKEN, { name: "Dev" });
		const { campaign } = await api<{ campaign: { id: string } }>(worker, "/api/v1/campaigns", key, {
			name: "Dev Sale",
			stage: "consideration",
			destinationUrl: "https://shop.example/sale?ref=sms",
		});
		const recipients = Array.from({ length: WARM_CODES }, (_, i) => ({ phone: phone(i) }));
		const { links } = await api<{ links: { code: string }[] }>(worker, `/api/v1/campaigns/${campaign.id}/links`, key, {
			recipients,
		});
		let i = 0;
		const pids = dev.pid ? processTree(dev.pid) : [];
		const scenarios: Scenario[] = [
			{ name: "bare", what: "", target: "worker", userAgent: IPHONE, taps: false, nextPath: () => "/__bench/bare" },
			{
				name: "warm",
				what: "",
				target: "worker",
				userAgent: IPHONE,
				taps: true,
				nextPath: () => `/${links[i++ % links.length]?.code}`,
			},
		];
		for (const sc of scenarios) await measure(port, pids, sc, WARMUP_MS);
		const [bare, warm] = [
			await measure(port, pids, scenarios[0] as Scenario, ROUND_MS),
			await measure(port, pids, scenarios[1] as Scenario, ROUND_MS),
		];
		return { bare, warm };
	} finally {
		if (dev.pid) process.kill(-dev.pid, "SIGTERM");
	}
}

// ---------------------------------------------------------------------------------------------------------------

function versionOf(pkg: string): string {
	return (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
		.version;
}

/** The parts `BENCH_PARTS` names (1–5, comma-separated); all of them by default. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "1,2,3,4,5").split(",").map((p) => p.trim()));

async function main() {
	const tmp = mkdtempSync(join(tmpdir(), "tapline-bench-"));
	rmSync(OUT, { recursive: true, force: true });
	log(`building; parts ${[...PARTS].sort().join(",")}`);
	const prodBundle = build(join(OUT, "prod"));
	const benchBundle = build(join(OUT, "bench"), "bench/worker-entry.ts");
	const workers: Worker[] = [];
	const report: Report = {
		parts: [...PARTS].sort(),
		machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
		date: new Date().toISOString(),
		versions: {
			node: process.version,
			wrangler: versionOf("wrangler"),
			miniflare: versionOf("miniflare"),
			workerd: versionOf("workerd"),
			hono: versionOf("hono"),
		},
		settings: { CONNECTIONS, ROUND_MS, WARMUP_MS, ROUNDS },
		seconds: 0,
	};
	try {
		// Parts 1 and 3 tap the links part 2 mints, so any of them mints.
		if (PARTS.has("1") || PARTS.has("2") || PARTS.has("3")) {
			const worker = await startWorker(benchBundle, join(tmp, "api"));
			workers.push(worker);
			log(`workerd pids ${worker.pids.join(",")}, direct socket ${worker.url}`);
			log("part 2: minting");
			const minting = await benchMinting(worker);
			log(
				`minted ${minting.codes.length} in ${minting.first.result.seconds.toFixed(1)} s; again in ${minting.again.result.seconds.toFixed(1)} s`,
			);
			if (PARTS.has("2")) report.minting = minting;
			if (PARTS.has("1")) {
				log("part 1: redirect");
				report.redirect = await benchRedirect(worker, minting.codes, tmp);
			}
			if (PARTS.has("3")) {
				const workspaceId =
					(
						await worker.db
							.prepare("SELECT workspace_id AS w FROM campaigns WHERE id = ?")
							.bind(minting.campaignId)
							.first<{ w: string }>()
					)?.w ?? "";
				log("part 3: aggregator");
				const aggregator = await benchAggregator(worker, minting.codes, minting.campaignId, workspaceId);
				log(`aggregator: ${(aggregator.events / aggregator.first.seconds).toFixed(0)} events/s`);
				report.aggregator = aggregator;
			}
			await worker.mf.dispose();
		}
		if (PARTS.has("4")) {
			// A fresh D1 of its own, in a Worker of its own: nothing of parts 1–3 is in it or running beside it.
			log("part 4: follow-up cron");
			const started4 = performance.now();
			const worker = await startWorker(benchBundle, join(tmp, "follow-ups"));
			workers.push(worker);
			const followUps = await benchFollowUps(worker, log);
			report.followUps = { ...followUps, seconds: (performance.now() - started4) / 1000 };
			await worker.mf.dispose();
		}
		if (PARTS.has("5")) {
			log("part 5: bundle and startup");
			const startup = await benchStartup(prodBundle);
			const prodJs = readFileSync(prodBundle);
			report.bundle = {
				raw: prodJs.length,
				gzip: gzipSync(prodJs).length,
				snippetRaw: Buffer.byteLength(SNIPPET_JS),
				snippetGzip: gzipSync(SNIPPET_JS).length,
				startup,
				command: `${WRANGLER_BUILD} bench/.out/prod`,
			};
		}
		if (PARTS.has("1")) {
			log("informational: wrangler dev");
			report.wranglerDev = await benchWranglerDev(tmp).catch((err: unknown) => {
				log(`wrangler dev row skipped: ${String(err)}`);
				return null;
			});
		}
		report.seconds = (performance.now() - started) / 1000;
		writeResults(join(ROOT, "bench", "RESULTS.md"), report);
	} finally {
		for (const worker of workers) await worker.mf.dispose().catch(() => undefined);
		rmSync(tmp, { recursive: true, force: true });
	}
}

/** What one run measured: the parts it ran, and nothing for the others (report.ts keeps their earlier figures). */
export type Report = {
	parts: string[];
	machine: string;
	date: string;
	versions: Record<string, string>;
	minting?: Awaited<ReturnType<typeof benchMinting>>;
	redirect?: Awaited<ReturnType<typeof benchRedirect>>;
	aggregator?: Awaited<ReturnType<typeof benchAggregator>>;
	followUps?: Awaited<ReturnType<typeof benchFollowUps>> & { seconds: number };
	wranglerDev?: Awaited<ReturnType<typeof benchWranglerDev>> | null;
	bundle?: {
		raw: number;
		gzip: number;
		snippetRaw: number;
		snippetGzip: number;
		startup: Awaited<ReturnType<typeof benchStartup>>;
		command: string;
	};
	settings: Record<string, number>;
	seconds: number;
};

await main();
