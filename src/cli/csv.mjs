// Streaming CSV (RFC 4180) for the CLI: reads a file of any size record by record, and writes cells safely.
import { createReadStream } from "node:fs";
import { CliError } from "./api.mjs";

/**
 * @typedef {{ line: number, fields: string[] }} CsvRecord
 * `line` is the 1-based physical line where the record starts (the header is line 1), as an editor shows it.
 */

/**
 * Reads records one at a time: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF; a UTF-8
 * byte order mark is skipped. Blank lines are skipped. Memory holds one chunk of the file and one record.
 * @param {string} path
 * @returns {AsyncGenerator<CsvRecord>}
 */
export async function* readCsv(path) {
	const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
	let fields = /** @type {string[]} */ ([]);
	let field = "";
	// Inside quotes; a quote seen inside quotes (closing, or the first of a doubled pair: the next character says,
	// and it may be in the next chunk).
	let quoted = false;
	let quoteSeen = false;
	let touched = false;
	let pendingCr = false;
	let line = 1;
	let recordLine = 1;
	let first = true;
	for await (const chunk of stream) {
		let text = /** @type {string} */ (chunk);
		if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
		first = false;
		for (let i = 0; i < text.length; i++) {
			const ch = text[i];
			if (pendingCr) {
				pendingCr = false;
				if (ch === "\n") continue;
			}
			if (quoteSeen) {
				quoteSeen = false;
				if (ch === '"') {
					field += '"';
					continue;
				}
				quoted = false;
			}
			if (quoted) {
				if (ch === '"') quoteSeen = true;
				else if (field.length >= MAX_FIELD) {
					throw new CliError(
						`line ${recordLine}: a quoted field runs on for over ${MAX_FIELD} characters: is a closing quote missing?`,
					);
				} else {
					if (ch === "\n") line++;
					field += ch;
				}
				continue;
			}
			if (ch === ",") {
				fields.push(field);
				field = "";
				touched = true;
			} else if (ch === "\n" || ch === "\r") {
				if (ch === "\r") pendingCr = true;
				if (touched || field !== "") {
					fields.push(field);
					yield { line: recordLine, fields };
				}
				fields = [];
				field = "";
				touched = false;
				line++;
				recordLine = line;
			} else if (ch === '"' && field === "") {
				quoted = true;
				touched = true;
			} else {
				// Text after a closing quote is kept as written, as spreadsheets do.
				field += ch;
				touched = true;
			}
		}
	}
	if (quoted && !quoteSeen) {
		throw new CliError(`line ${recordLine}: a quoted field is never closed: a closing quote is missing.`);
	}
	if (touched || field !== "") {
		fields.push(field);
		yield { line: recordLine, fields };
	}
}

// No contact field is anywhere near this long: a field that is must be a quote left open, swallowing rows.
const MAX_FIELD = 10_000;

/**
 * Counts line breaks fast, for an estimate of the rows to come (a quoted line break makes it a slight overcount).
 * @param {string} path
 * @returns {Promise<number>}
 */
export async function countLines(path) {
	let lines = 0;
	let last = 10;
	for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
		const bytes = /** @type {Buffer} */ (chunk);
		let at = bytes.indexOf(10);
		while (at !== -1) {
			lines++;
			at = bytes.indexOf(10, at + 1);
		}
		if (bytes.length > 0) last = bytes[bytes.length - 1] ?? 10;
	}
	return last === 10 ? lines : lines + 1;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: quoted when needed, and with a leading ' when a spreadsheet would run it as a formula (a valid E.164
 * phone is left alone: a spreadsheet reads it as a number). The same rule as the API's exports.
 * @param {string | number | boolean | null | undefined} value
 */
export function csvCell(value) {
	if (value === null || value === undefined) return "";
	if (typeof value !== "string") return String(value);
	const text = FORMULA_START.test(value) && !E164.test(value) ? `'${value}` : value;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** @param {ReadonlyArray<string | number | boolean | null | undefined>} cells */
export function csvLine(cells) {
	return `${cells.map(csvCell).join(",")}\r\n`;
}
