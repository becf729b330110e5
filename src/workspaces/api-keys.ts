import { randomAlphanumeric } from "../db/ids";

// 32 characters of a 62-letter alphabet: about 190 bits.
const secretPart = randomAlphanumeric(32);

export interface NewApiKey {
	key: string;
	hash: string;
	start: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
	const key = `tl_${secretPart()}`;
	return { key, hash: await hashApiKey(key), start: key.slice(0, 7) };
}

export async function hashApiKey(key: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
