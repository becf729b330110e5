// CSV per RFC 4180 (CRLF line ends, fields quoted when they hold a comma, a quote or a line break), with a guard
// against formula injection: a spreadsheet runs a cell that starts with =, +, -, @ (or a tab or CR) as a formula,
// so such text cells get a leading single quote. A valid E.164 phone (+ then up to 15 digits) is left alone: it is
// the phone column's normal form, and a spreadsheet reads it as a number, never as a formula.

export type Cell = string | number | boolean | null | undefined;

const E164 = /^\+[1-9]\d{1,14}$/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: Cell): string {
	if (value === null || value === undefined) return "";
	if (typeof value === "number" || typeof value === "boolean") return String(value);
	const text = FORMULA_START.test(value) && !E164.test(value) ? `'${value}` : value;
	return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly Cell[]): string {
	return `${cells.map(csvCell).join(",")}\r\n`;
}
