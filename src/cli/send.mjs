// `tapline send`: one templated SMS per row of a contact list, in chunks; or a dry run that shows what would go out.
import { existsSync } from "node:fs";
import { CliError } from "./api.mjs";
import { countLines } from "./csv.mjs";
import { Progress } from "./progress.mjs";
import { postDroppingRejected, readRecipientChunks } from "./recipients.mjs";

const LISTED_PER_REASON = 10;

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ campaign: string, csv: string, message: string, dryRun: boolean, defaultCountry?: string, chunk: number }} options
 * @returns {Promise<number>} the exit code
 */
export async function send(client, options) {
	if (!existsSync(options.csv)) throw new CliError(`No such file: ${options.csv}`, 2);
	const total = Math.max((await countLines(options.csv)) - 1, 0);
	const progress = new Progress(options.dryRun ? "send (dry run)" : "send", total);
	client.onRetry = (message) => progress.log(message);
	const totals = { rows: 0, queued: 0, deferred: 0, messages: 0, segments: 0 };
	/** @type {Map<string, number[]>} */
	const skippedLines = new Map();
	/** @type {Map<string, string>} */
	const reasonMessages = new Map();
	/** @type {Record<string, number>} */
	const encodings = {};
	/** @type {{ line: number, body: string, segments: number, encoding: string } | null} */
	let sample = null;
	const skip = (/** @type {string} */ reason, /** @type {number} */ line, /** @type {string} */ message) => {
		const lines = skippedLines.get(reason) ?? [];
		lines.push(line);
		skippedLines.set(reason, lines);
		if (!reasonMessages.has(reason)) reasonMessages.set(reason, message);
	};

	for await (const chunk of readRecipientChunks(options.csv, { chunkSize: options.chunk, withFields: true })) {
		const { rows, answer } = await postDroppingRejected(
			chunk,
			async (rows) =>
				client.json("POST", `/campaigns/${encodeURIComponent(options.campaign)}/send`, {
					recipients: rows.map((r) => r.recipient),
					message: options.message,
					...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
					...(options.dryRun ? { dryRun: true } : {}),
				}),
			(row, message) => skip("invalid", row.line, message),
		);
		const lineOf = (/** @type {number} */ index) => rows[index]?.line ?? -1;
		for (const s of answer?.skipped ?? []) skip(s.reason, lineOf(s.index), s.message);
		if (options.dryRun) {
			for (const m of answer?.messages ?? []) {
				encodings[m.encoding] = (encodings[m.encoding] ?? 0) + 1;
				sample ??= { line: lineOf(m.index), body: m.body, segments: m.segments, encoding: m.encoding };
			}
			totals.messages += answer?.totals?.messages ?? 0;
			totals.segments += answer?.totals?.segments ?? 0;
		} else {
			totals.queued += answer?.queued ?? 0;
			totals.deferred += answer?.deferred ?? 0;
		}
		totals.rows += chunk.length;
		const done = options.dryRun ? `${totals.messages} messages` : `queued ${totals.queued}`;
		progress.update(totals.rows, `${done}, skipped ${[...skippedLines.values()].flat().length}`, true);
	}
	progress.finish();

	const skipped = [...skippedLines.values()].reduce((n, lines) => n + lines.length, 0);
	const out = [];
	if (options.dryRun) {
		out.push(
			`Dry run: nothing was sent. ${totals.rows.toLocaleString("en-US")} rows, ${totals.messages.toLocaleString("en-US")} messages, ${totals.segments.toLocaleString("en-US")} SMS segments, ${skipped} skipped.`,
		);
		const byEncoding = Object.entries(encodings).map(([encoding, n]) => `${encoding} ${n}`);
		if (byEncoding.length > 0) out.push(`Encodings: ${byEncoding.join(", ")}`);
		if (sample) {
			out.push(
				`Sample (line ${sample.line}, ${sample.encoding}, ${sample.segments} segment${sample.segments === 1 ? "" : "s"}):`,
				`  ${sample.body}`,
			);
		}
	} else {
		out.push(
			`Sent: ${totals.queued.toLocaleString("en-US")} queued (${totals.deferred.toLocaleString("en-US")} of them held for the recipients' sending hours), ${skipped} skipped, of ${totals.rows.toLocaleString("en-US")} rows.`,
		);
	}
	for (const [reason, lines] of skippedLines) {
		const listed = lines.slice(0, LISTED_PER_REASON).join(", ");
		const more = lines.length > LISTED_PER_REASON ? ` and ${lines.length - LISTED_PER_REASON} more` : "";
		const why = reason === "invalid" ? "rejected by the API" : reasonMessages.get(reason);
		out.push(`  ${reason}: ${lines.length} (${why}): line${lines.length === 1 ? "" : "s"} ${listed}${more}`);
	}
	process.stdout.write(`${out.join("\n")}\n`);
	return 0;
}
