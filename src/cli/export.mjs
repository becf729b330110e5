// `tapline export`: streams a campaign export to a file (or stdout) without holding it in memory.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CliError } from "./api.mjs";

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ campaign: string, type: string, format: string, out?: string }} options
 * @returns {Promise<number>}
 */
export async function exportCampaign(client, options) {
	if (!["recipients", "clicks"].includes(options.type)) throw new CliError("--type must be recipients or clicks.", 2);
	if (!["csv", "ndjson"].includes(options.format)) throw new CliError("--format must be csv or ndjson.", 2);
	const path = `/campaigns/${encodeURIComponent(options.campaign)}/export/${options.type}?format=${options.format}`;
	const res = await client.request("GET", path);
	if (!res.body) throw new CliError("The API answered an empty body.");
	const body = Readable.fromWeb(/** @type {import("node:stream/web").ReadableStream<Uint8Array>} */ (res.body));
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
