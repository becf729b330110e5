import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from "../config";
import { randomAlphanumeric } from "../db/ids";

const CODE_SHAPE = new RegExp(`^[0-9A-Za-z]{${MIN_CODE_LENGTH},${MAX_CODE_LENGTH}}$`);

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
