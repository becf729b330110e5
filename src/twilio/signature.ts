// Twilio's webhook signature (X-Twilio-Signature), as Twilio documents it ("Webhooks security") and its helper
// libraries compute it (twilio-node src/webhooks/webhooks.ts, twilio-python request_validator.py):
// the full URL Twilio requested, then for a form-encoded POST each parameter name followed by its value, names
// sorted; HMAC-SHA1 keyed with the auth token; base64. A name sent several times contributes each distinct value
// once, values sorted (the helpers' rule; the docs do not say). Sorting is by UTF-16 code unit, as JavaScript's
// and Java's default string order are.

export type TwilioParams = ReadonlyArray<readonly [string, string]> | URLSearchParams;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The base64 signature Twilio would send for this URL and form parameters. */
export async function twilioSignature(authToken: string, url: string, params: TwilioParams): Promise<string> {
	return toBase64(await hmac(authToken, signedString(url, params)));
}

/**
 * Whether `signatureHeader` is Twilio's signature of this request. The URL is tried as given, without its port and
 * with the default port, as the official helpers do: Twilio's own signing is inconsistent about ports. Comparison
 * is constant-time over the HMAC bytes.
 */
export async function verifyTwilioSignature(
	authToken: string,
	url: string,
	params: TwilioParams,
	signatureHeader: string,
): Promise<boolean> {
	const expected = fromBase64(signatureHeader.trim());
	if (expected === null || expected.length !== 20) return false;
	const sorted = sortedParams(params);
	let valid = false;
	for (const candidate of urlVariants(url)) {
		const actual = await hmac(authToken, candidate + sorted);
		// No early exit: every variant costs the same whether or not an earlier one matched.
		if (crypto.subtle.timingSafeEqual(actual, expected)) valid = true;
	}
	return valid;
}

function signedString(url: string, params: TwilioParams): string {
	return url + sortedParams(params);
}

function sortedParams(params: TwilioParams): string {
	const byName = new Map<string, Set<string>>();
	for (const [name, value] of params) {
		const values = byName.get(name) ?? new Set<string>();
		values.add(value);
		byName.set(name, values);
	}
	let out = "";
	for (const name of [...byName.keys()].sort(byCodeUnit)) {
		for (const value of [...(byName.get(name) ?? [])].sort(byCodeUnit)) out += name + value;
	}
	return out;
}

function byCodeUnit(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function urlVariants(url: string): string[] {
	const variants = [url];
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return variants;
	}
	const withoutPort = new URL(parsed);
	withoutPort.port = "";
	variants.push(withoutPort.toString());
	if (parsed.port === "") {
		const port = parsed.protocol === "https:" ? "443" : parsed.protocol === "http:" ? "80" : "";
		// URL drops a default port when it serialises, so the host is spliced in by hand, as twilio-node does.
		if (port) {
			const auth = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ""}@` : "";
			variants.push(
				`${parsed.protocol}//${auth}${parsed.host}:${port}${parsed.pathname}${parsed.search}${parsed.hash}`,
			);
		}
	}
	return [...new Set(variants)];
}

async function hmac(authToken: string, data: string): Promise<ArrayBuffer> {
	let key = keys.get(authToken);
	if (key === undefined) {
		key = crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
		// One or two tokens in practice (a rotation); a bound keeps a misuse from growing without end.
		if (keys.size > 16) keys.clear();
		keys.set(authToken, key);
	}
	return crypto.subtle.sign("HMAC", await key, encoder.encode(data));
}

function toBase64(bytes: ArrayBuffer): string {
	let binary = "";
	for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function fromBase64(text: string): Uint8Array | null {
	if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
	try {
		return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
	} catch {
		return null;
	}
}
