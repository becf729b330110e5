// Contact lists: a CSV with a header row, read into the API's recipient objects in chunks.
import { CliError } from "./api.mjs";
import { readCsv } from "./csv.mjs";

/** Header names each field is recognised by, compared without case, spaces, dashes or underscores. */
const ALIASES = {
	phone: ["phone", "phonenumber", "mobile", "mobilephone", "cell", "msisdn", "number", "tel"],
	externalId: ["externalid", "customerid", "id"],
	variant: ["variant", "abvariant"],
	timezone: ["timezone", "tz"],
	firstName: ["firstname", "first", "givenname"],
	lastName: ["lastname", "last", "surname", "familyname"],
};

/** @param {string} name */
const normalise = (name) => name.toLowerCase().replace(/[\s_-]/g, "");

/**
 * @typedef {{ phone: string, externalId?: string, variant?: string, timezone?: string, firstName?: string,
 *   lastName?: string, fields?: Record<string, string> }} Recipient
 * @typedef {{ line: number, recipient: Recipient }} Row
 */

/**
 * Maps the header to fields; with `withFields`, every other column becomes a template field ({fields.<name>}).
 * @param {string[]} header
 * @param {boolean} withFields
 */
function columnsOf(header, withFields) {
	/** @type {{ index: number, key: string, field: boolean }[]} */
	const columns = [];
	const taken = new Set();
	header.forEach((name, index) => {
		const key = Object.entries(ALIASES).find(([, names]) => names.includes(normalise(name)))?.[0];
		if (key && !taken.has(key)) {
			taken.add(key);
			columns.push({ index, key, field: false });
		} else if (withFields && name.trim() !== "") {
			columns.push({ index, key: name.trim(), field: true });
		}
	});
	if (!taken.has("phone")) {
		throw new CliError(
			`The CSV has no phone column (header: ${header.join(", ")}). Name one of its columns "phone".`,
			2,
		);
	}
	return columns;
}

/**
 * Reads the CSV in chunks of recipients, each with the line it came from. Rows up to `skipThrough` are skipped
 * (a resumed run). Empty cells are left out.
 * @param {string} path
 * @param {{ chunkSize: number, withFields: boolean, skipThrough?: number }} options
 * @returns {AsyncGenerator<Row[]>}
 */
export async function* readRecipientChunks(path, options) {
	/** @type {ReturnType<typeof columnsOf> | null} */
	let columns = null;
	/** @type {Row[]} */
	let chunk = [];
	for await (const record of readCsv(path)) {
		if (!columns) {
			columns = columnsOf(record.fields, options.withFields);
			continue;
		}
		if (record.line <= (options.skipThrough ?? 0)) continue;
		/** @type {Record<string, unknown>} */
		const recipient = { phone: "" };
		/** @type {Record<string, string>} */
		const fields = {};
		for (const column of columns) {
			const value = (record.fields[column.index] ?? "").trim();
			if (column.key === "phone") recipient.phone = value;
			else if (value === "") continue;
			else if (column.field) fields[column.key] = value;
			else recipient[column.key] = value;
		}
		if (Object.keys(fields).length > 0) recipient.fields = fields;
		chunk.push({ line: record.line, recipient: /** @type {Recipient} */ (recipient) });
		if (chunk.length >= options.chunkSize) {
			yield chunk;
			chunk = [];
		}
	}
	if (!columns) throw new CliError(`${path} is empty: it needs a header row with a phone column.`, 2);
	if (chunk.length > 0) yield chunk;
}

/**
 * Posts a chunk; on a 422 naming recipients, drops those rows (reported through `onRejected`) and posts the rest
 * again. Safe because minting and sending are idempotent and a 422 writes nothing.
 * @template T
 * @param {Row[]} rows
 * @param {(rows: Row[]) => Promise<T>} post
 * @param {(row: Row, message: string) => void} onRejected
 * @returns {Promise<{ rows: Row[], answer: T | null }>} the rows that went through, and the API's answer
 */
export async function postDroppingRejected(rows, post, onRejected) {
	let remaining = rows;
	while (remaining.length > 0) {
		try {
			return { rows: remaining, answer: await post(remaining) };
		} catch (err) {
			const details = /** @type {any} */ (err)?.body?.details;
			if (/** @type {any} */ (err)?.status !== 422 || !Array.isArray(details)) throw err;
			/** @type {Map<number, string[]>} */
			const rejected = new Map();
			for (const detail of details) {
				// A problem of the request as a whole (the template, defaultCountry) is not a row's to drop.
				if (typeof detail.index !== "number" || !remaining[detail.index]) throw err;
				const path = String(detail.path ?? "").replace(/^recipients\.\d+\.?/, "");
				const messages = rejected.get(detail.index) ?? [];
				messages.push(path ? `${path}: ${detail.message}` : detail.message);
				rejected.set(detail.index, messages);
			}
			if (rejected.size === 0) throw err;
			for (const [index, messages] of rejected) {
				onRejected(/** @type {Row} */ (remaining[index]), messages.join("; "));
			}
			remaining = remaining.filter((_, index) => !rejected.has(index));
		}
	}
	return { rows: [], answer: null };
}
