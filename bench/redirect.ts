// Part 1 of `npm run bench`: the redirect against the bare route, in alternating rounds, with two outside references
// (plain Node servers) measured by the same load generator.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type LoadResult, runLoad } from "./load.ts";
import { cpuSeconds } from "./proc.ts";
import { BIN, CONNECTIONS, IPHONE, ROOT, ROUND_MS, ROUNDS, WARM_CODES, WARMUP_MS, WHATSAPP } from "./settings.ts";
import { clickCount, consumer, consumerStats, drain, type Worker } from "./worker.ts";

export interface Scenario {
	name: string;
	what: string;
	target: "worker" | "node-bare" | "node-sqlite";
	userAgent: string;
	/** Taps this scenario's 302s log (so the drain knows how many clicks to wait for). */
	taps: boolean;
	nextPath: () => string;
	prepare?: () => Promise<void>;
}

export interface Run extends LoadResult {
	cpuUsPerRequest: number;
}

export async function measure(port: number, pids: number[], scenario: Scenario, durationMs: number): Promise<Run> {
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

export async function benchRedirect(worker: Worker, codes: string[], tmp: string, log: (line: string) => void) {
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
