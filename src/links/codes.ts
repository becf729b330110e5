import { randomAlphanumeric } from "../db/ids";

export const MIN_CODE_LENGTH = 6;
export const MAX_CODE_LENGTH = 32;
const DEFAULT_CODE_LENGTH = 7;

const CODE_SHAPE = new RegExp(`^[0-9A-Za-z]{${MIN_CODE_LENGTH},${MAX_CODE_LENGTH}}$`);

/** Reads CODE_LENGTH from the environment; out-of-range or junk values fall back to the default of 7. */
export function codeLength(setting: string | undefined): number {
	const n = Number(setting);
	return Number.isInteger(n) && n >= MIN_CODE_LENGTH && n <= MAX_CODE_LENGTH ? n : DEFAULT_CODE_LENGTH;
}

const generators = new Map<number, () => string>();

/** A random short code (never sequential, so codes cannot be enumerated from one another). */
export function newCode(length: number): string {
	let generate = generators.get(length);
	if (!generate) {
		generate = randomAlphanumeric(length);
		generators.set(length, generate);
	}
	return generate();
}

/** Could this be one of our codes? Lets the redirect skip the lookup for paths like /wp-login.php. */
export function looksLikeCode(path: string): boolean {
	return CODE_SHAPE.test(path);
}
