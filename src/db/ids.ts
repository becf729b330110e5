import { customAlphabet } from "nanoid";

// Letters and digits only: safe in URLs, headers and SMS text, where link detectors may stop at "-" or "_".
const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A generator of random letter-and-digit strings of one length (nanoid, crypto-random, never sequential). */
export function randomAlphanumeric(length: number): () => string {
	return customAlphabet(ALPHANUMERIC, length);
}

const random16 = randomAlphanumeric(16);

/** Prefixed random ids (`ws_…`, `cmp_…`) say what they name when they turn up in logs and support tickets. */
export function newId(prefix: "ws" | "key" | "cmp" | "ct" | "pur" | "msg" | "cev" | "whe" | "evt"): string {
	return `${prefix}_${random16()}`;
}
