// `tapline mint`: a contact list of any size through the minting API, chunk by chunk, resumable.

import { once } from "node:events";
import {
	closeSync,
	existsSync,
	fsyncSync,
	ftruncateSync,
	openSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
	writeSync,
} from "node:fs";
import { resolve } from "node:path";
import { CliError } from "./api.mjs";
import { countLines, csvLine } from "./csv.mjs";
import { Progress } from "./progress.mjs";
import { postDroppingRejected, readRecipientChunks } from "./recipients.mjs";

const OUT_HEADER = ["line", "phone", "code", "shortUrl", "variant", "created"];
const REJECTED_HEADER = ["line", "phone", "message"];
const REPORTED_REJECTIONS = 50;

/**
 * What a run has done, kept next to --out after every chunk. A rerun reads it, cuts the output files back to the
 * sizes they had then (anything written after is from a chunk that may not have finished) and carries on from the
 * next line. Minting is idempotent, so the worst an interruption costs is one chunk minted twice, which the API
 * answers with the same links (`created: false`).
 * @typedef {{ version: 1, campaign: string, csv: string, line: number, outBytes: number, rejectedBytes: number,
 *   rows: number, minted: number, created: number, rejected: number }} MintState
 */

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ campaign: string, csv: string, out?: string, defaultCountry?: string, chunk: number, restart: boolean }} options
 * @returns {Promise<number>} the exit code
 */
export async function mint(client, options) {
	const csvPath = resolve(options.csv);
	if (!existsSync(csvPath)) throw new CliError(`No such file: ${options.csv}`, 2);
	const files = options.out ? openOutputs(options.out, options.campaign, csvPath, options.restart) : null;
	const state = files?.state ?? fresh(options.campaign, csvPath);
	const resumedAt = state.line;
	const total = Math.max((await countLines(csvPath)) - 1, 0);
	const progress = new Progress("mint", total);
	client.onRetry = (message) => progress.log(message);
	if (resumedAt > 0) {
		progress.log(
			`Resuming after line ${resumedAt} (${state.minted.toLocaleString("en-US")} links already written; --restart starts over).`,
		);
	}
	/** @type {string[]} */
	const rejections = [];
	// Without --out the links go to stdout, and a rerun starts over (idempotently).
	const writeLinks = files
		? async (/** @type {string} */ text) => files.writeLinks(text)
		: async (/** @type {string} */ text) => {
				if (!process.stdout.write(text)) await once(process.stdout, "drain");
			};
	if (!files) await writeLinks(csvLine(OUT_HEADER));

	for await (const chunk of readRecipientChunks(csvPath, {
		chunkSize: options.chunk,
		withFields: false,
		skipThrough: resumedAt,
	})) {
		let rejectedText = "";
		const { rows, answer } = await postDroppingRejected(
			chunk,
			async (rows) =>
				/** @type {{ links: { code: string, shortUrl: string, phone: string, variant: string | null, created: boolean }[] }} */ (
					await client.json("POST", `/campaigns/${encodeURIComponent(options.campaign)}/links`, {
						recipients: rows.map((r) => r.recipient),
						...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
					})
				),
			(row, message) => {
				state.rejected++;
				rejectedText += csvLine([row.line, row.recipient.phone, message]);
				if (rejections.length < REPORTED_REJECTIONS) rejections.push(`  line ${row.line}: ${message}`);
			},
		);
		let text = "";
		rows.forEach((row, i) => {
			const link = answer?.links[i];
			if (!link) throw new CliError(`The API answered fewer links than recipients (line ${row.line}).`);
			text += csvLine([row.line, link.phone, link.code, link.shortUrl, link.variant, link.created]);
			if (link.created) state.created++;
		});
		await writeLinks(text);
		if (files && rejectedText) files.writeRejected(rejectedText);
		state.minted += rows.length;
		state.rows += chunk.length;
		state.line = /** @type {number} */ (chunk.at(-1)?.line);
		if (files) files.commit(state);
		progress.update(state.rows, `minted ${state.minted.toLocaleString("en-US")}, rejected ${state.rejected}`, true);
	}
	progress.finish();
	files?.close();

	const lines = [
		`Done: ${state.rows.toLocaleString("en-US")} rows read, ${state.minted.toLocaleString("en-US")} links (${state.created.toLocaleString("en-US")} new, ${(state.minted - state.created).toLocaleString("en-US")} already minted), ${state.rejected} rejected.`,
	];
	if (options.out) lines.push(`Links: ${options.out}`);
	if (state.rejected > 0) {
		lines.push(`Rejected rows (nothing minted for them):`, ...rejections);
		if (state.rejected > rejections.length) lines.push(`  … and ${state.rejected - rejections.length} more`);
		if (files) lines.push(`Every rejected row, with its line and reason: ${files.rejectedPath}`);
	}
	process.stderr.write(`${lines.join("\n")}\n`);
	return state.rejected > 0 ? 3 : 0;
}

/**
 * @param {string} campaign
 * @param {string} csv
 * @returns {MintState}
 */
function fresh(campaign, csv) {
	return {
		version: 1,
		campaign,
		csv,
		line: 0,
		outBytes: 0,
		rejectedBytes: 0,
		rows: 0,
		minted: 0,
		created: 0,
		rejected: 0,
	};
}

/**
 * Opens --out and its companions, resuming from the progress file when there is one.
 * @param {string} out
 * @param {string} campaign
 * @param {string} csv
 * @param {boolean} restart
 */
function openOutputs(out, campaign, csv, restart) {
	const progressPath = `${out}.progress`;
	const rejectedPath = `${out}.rejected.csv`;
	/** @type {MintState | null} */
	let state = null;
	if (existsSync(progressPath) && !restart) {
		try {
			state = JSON.parse(readFileSync(progressPath, "utf8"));
		} catch {
			throw new CliError(`${progressPath} is unreadable: delete it, or run again with --restart.`, 2);
		}
		if (state?.version !== 1 || state.campaign !== campaign || state.csv !== csv) {
			throw new CliError(
				`${progressPath} belongs to another run (campaign ${state?.campaign}, file ${state?.csv}): use another --out, or --restart.`,
				2,
			);
		}
		if (!existsSync(out) || statSync(out).size < state.outBytes) {
			throw new CliError(`${out} is shorter than ${progressPath} says: run again with --restart.`, 2);
		}
	}
	const resumed = state !== null;
	const outFd = openSync(out, resumed ? "r+" : "w");
	const rejectedFd = openSync(rejectedPath, resumed && existsSync(rejectedPath) ? "r+" : "w");
	let outAt = 0;
	let rejectedAt = 0;
	/**
	 * Writes at the file's tracked end (a file opened r+ starts at 0).
	 * @param {number} fd
	 * @param {string} text
	 * @param {number} at
	 */
	const writeAt = (fd, text, at) => {
		const buffer = Buffer.from(text, "utf8");
		writeSync(fd, buffer, 0, buffer.length, at);
		return at + buffer.length;
	};
	if (state) {
		// Whatever was written after the last finished chunk is written again.
		outAt = state.outBytes;
		rejectedAt = Math.min(state.rejectedBytes, statSync(rejectedPath).size);
		ftruncateSync(outFd, outAt);
		ftruncateSync(rejectedFd, rejectedAt);
	} else {
		state = fresh(campaign, csv);
		outAt = writeAt(outFd, csvLine(OUT_HEADER), 0);
		rejectedAt = writeAt(rejectedFd, csvLine(REJECTED_HEADER), 0);
	}
	const emptyRejected = csvLine(REJECTED_HEADER).length;
	return {
		state,
		rejectedPath,
		/** @param {string} text */
		writeLinks(text) {
			outAt = writeAt(outFd, text, outAt);
		},
		/** @param {string} text */
		writeRejected(text) {
			rejectedAt = writeAt(rejectedFd, text, rejectedAt);
		},
		/**
		 * Records a finished chunk, once its rows are on disk: the state file is replaced whole (write, then rename).
		 * @param {MintState} next
		 */
		commit(next) {
			fsyncSync(outFd);
			fsyncSync(rejectedFd);
			next.outBytes = outAt;
			next.rejectedBytes = rejectedAt;
			writeFileSync(`${progressPath}.tmp`, JSON.stringify(next));
			renameSync(`${progressPath}.tmp`, progressPath);
		},
		close() {
			closeSync(outFd);
			closeSync(rejectedFd);
			rmSync(progressPath, { force: true });
			if (rejectedAt <= emptyRejected) rmSync(rejectedPath, { force: true });
		},
	};
}
