// Part 5 of `npm run bench`: bundle size and startup.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { SNIPPET_JS } from "../src/purchases/snippet.ts";
import { OUT, ROOT, ROUNDS } from "./settings.ts";
import { WRANGLER_BUILD } from "./worker.ts";

async function timeStartup(bundle: string) {
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

/** The production bundle's size (and the purchase snippet's), and its startup against an empty Worker's. */
export async function benchStartup(prodBundle: string) {
	const startup = await timeStartup(prodBundle);
	const prodJs = readFileSync(prodBundle);
	return {
		raw: prodJs.length,
		gzip: gzipSync(prodJs).length,
		snippetRaw: Buffer.byteLength(SNIPPET_JS),
		snippetGzip: gzipSync(SNIPPET_JS).length,
		startup,
		command: `${WRANGLER_BUILD} bench/.out/prod`,
	};
}
