// `tapline export`: streams a campaign export to a file (or stdout) without holding it in memory. The API answers at
// most `limit` rows a response and names where the next starts in X-Next-Cursor; the CLI follows it to the end, so the
// responses, one after the other, make one file (only the first carries the CSV header).
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CliError } from "./api.mjs";

/**
 * One response of the export: `pageRows` rows from `cursor` (null: the first).
 * @param {import("./api.mjs").Client} client
 * @param {string} path
 * @param {number | undefined} pageRows
 * @param {string | null} cursor
 */
async function requestPage(client, path, pageRows, cursor) {
	const query = new URLSearchParams();
	if (pageRows !== undefined) query.set("limit", String(pageRows));
	if (cursor !== null) query.set("cursor", cursor);
	const res = await client.request("GET", query.size === 0 ? path : `${path}&${query}`);
	if (!res.body) throw new CliError("The API answered an empty body.");
	return { body: res.body, cursor: res.headers.get("x-next-cursor") };
}

/**
 * The bytes of every response, one after the other: the next is asked for once the last has been read.
 * @param {import("./api.mjs").Client} client
 * @param {string} path
 * @param {number | undefined} pageRows
 * @param {{ body: ReadableStream<Uint8Array>, cursor: string | null }} first
 * @returns {AsyncGenerator<Uint8Array>}
 */
async function* followPages(client, path, pageRows, first) {
	let page = first;
	for (;;) {
		for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (page.body)) yield chunk;
		if (page.cursor === null) return;
		page = await requestPage(client, path, pageRows, page.cursor);
	}
}

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ campaign: string, type: string, format: string, out?: string, pageRows?: number }} options
 * @returns {Promise<number>}
 */
export async function exportCampaign(client, options) {
	if (!["recipients", "clicks"].includes(options.type)) throw new CliError("--type must be recipients or clicks.", 2);
	if (!["csv", "ndjson"].includes(options.format)) throw new CliError("--format must be csv or ndjson.", 2);
	const path = `/campaigns/${encodeURIComponent(options.campaign)}/export/${options.type}?format=${options.format}`;
	// The first response is asked for here, so that a refusal (404, 400) is reported as such, before any file exists.
	const first = await requestPage(client, path, options.pageRows, null);
	const body = Readable.from(followPages(client, path, options.pageRows, first), { objectMode: false });
	if (!options.out) {
		// A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not a failure.
		process.stdout.on("error", (err) => {
			if (/** @type {NodeJS.ErrnoException} */ (err).code === "EPIPE") process.exit(0);
			throw err;
		});
		// stdout is left open for whatever comes after in a shell pipeline.
		await pipeline(
			body,
			new Writable({
				write: (chunk, _encoding, done) => {
					process.stdout.write(chunk, done);
				},
			}),
		);
		return 0;
	}
	// Written beside the target and renamed at the end, so a cut connection never leaves a file that looks complete.
	const partial = `${options.out}.partial`;
	try {
		await pipeline(body, createWriteStream(partial));
	} catch (err) {
		await rm(partial, { force: true });
		throw new CliError(
			`The export stopped before the end (${err instanceof Error ? err.message : err}); nothing was written to ${options.out}.`,
		);
	}
	await rename(partial, options.out);
	process.stderr.write(`Exported the campaign's ${options.type} to ${options.out}\n`);
	return 0;
}
