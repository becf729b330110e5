// `npm run bench`: the Worker in Miniflare (wrangler's own copy, the bundle `wrangler deploy --dry-run` makes, D1
// and Queues as wrangler.toml configures them), driven straight through a socket into workerd. Prints a table and
// writes bench/RESULTS.md. Every comparison is a ratio against a baseline measured in the same run.
// The parts: 1 redirect (bench/redirect.ts, and bench/wrangler-dev.ts for information), 2 minting (bench/minting.ts),
// 3 aggregator (bench/aggregator.ts), 4 follow-up cron (bench/follow-ups.ts), 5 bundle and startup (bench/startup.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { benchAggregator } from "./aggregator.ts";
import { benchFollowUps } from "./follow-ups.ts";
import { benchMinting } from "./minting.ts";
import { benchRedirect } from "./redirect.ts";
import { writeResults } from "./report.ts";
import { CONNECTIONS, OUT, ROOT, ROUND_MS, ROUNDS, WARMUP_MS } from "./settings.ts";
import { benchStartup } from "./startup.ts";
import type { Report } from "./types.ts";
import { build, startWorker, type Worker } from "./worker.ts";
import { benchWranglerDev } from "./wrangler-dev.ts";

const started = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${line}\n`);

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
				report.redirect = await benchRedirect(worker, minting.codes, tmp, log);
			}
			if (PARTS.has("3")) {
				log("part 3: aggregator");
				const aggregator = await benchAggregator(worker, minting.codes, minting.campaignId);
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
			report.bundle = await benchStartup(prodBundle);
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

await main();
