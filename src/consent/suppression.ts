// The suppression list: what stays of an opted-out contact once they are erased. Rows hold the HMAC-SHA-256 of the
// E.164 phone under SUPPRESSION_SECRET, never the phone: a bare SHA-256 of a phone number is reversed by hashing
// the few billion numbers there are, an HMAC is not without the secret. The same phone always gives the same hash,
// so minting the number again finds its row, and the send SQL (consent-sql.ts) reads it through contacts.phone_hash.

const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(secret: string): Promise<CryptoKey> {
	let key = keys.get(secret);
	if (!key) {
		key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
			"sign",
		]);
		keys.set(secret, key);
	}
	return key;
}

/** The keyed hash of an E.164 phone, lower-case hex (64 characters). */
export async function phoneHash(secret: string, e164: string): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", await keyOf(secret), new TextEncoder().encode(e164));
	return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The keyed hashes of several phones, by phone. */
export async function phoneHashes(secret: string, phones: Iterable<string>): Promise<Map<string, string>> {
	const unique = [...new Set(phones)];
	const hashes = await Promise.all(unique.map((phone) => phoneHash(secret, phone)));
	return new Map(unique.map((phone, i) => [phone, hashes[i] ?? ""]));
}
