import { customAlphabet } from "nanoid";

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const random16 = customAlphabet(ALPHANUMERIC, 16);

/** Prefixed random ids (`ws_…`, `cmp_…`) say what they name when they turn up in logs and support tickets. */
export function newId(prefix: "ws" | "key" | "cmp" | "ct"): string {
	return `${prefix}_${random16()}`;
}
