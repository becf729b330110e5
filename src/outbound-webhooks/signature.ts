// Standard Webhooks (https://www.standardwebhooks.com/, spec v1): a receiver verifies a delivery with the
// `standardwebhooks` package or Svix's libraries unchanged. What is signed is `${webhook-id}.${webhook-timestamp}.${body}`
// with HMAC-SHA256, keyed by the bytes the secret's base64 part (after "whsec_") decodes to.

const encoder = new TextEncoder();
const SECRET_PREFIX = "whsec_";
/** The spec asks for 24 to 64 random bytes; 32 is what Svix issues. */
const SECRET_BYTES = 32;

function toBase64(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes));
}

/** A new endpoint secret: `whsec_` and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
	return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/**
 * The signing key of a secret: the bytes its base64 part decodes to, as the spec's verifiers read it. Secrets
 * issued before Tapline followed the spec are `whsec_` and 32 letters and digits, which is valid base64 (24 bytes),
 * so they keep working unchanged: receivers verify them as they verify any other.
 */
export function signingKey(secret: string): Uint8Array {
	const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
	const binary = atob(encoded);
	if (binary.length === 0) throw new Error("empty webhook secret");
	return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * The `webhook-id` of an event: its id, which is the same for every attempt and redelivery of that event. Bytes a
 * header cannot carry (outside printable ASCII, e.g. in an order id) and "%" are percent-encoded, so two ids never
 * map to one header.
 */
export function webhookId(eventId: string): string {
	let out = "";
	for (const byte of encoder.encode(eventId)) {
		out +=
			byte > 0x20 && byte < 0x7f && byte !== 0x25
				? String.fromCharCode(byte)
				: `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

/** `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">`, the value of `webhook-signature`. */
export async function webhookSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", signingKey(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
	return `v1,${toBase64(new Uint8Array(mac))}`;
}

/** The three headers of a signed delivery; `timestamp` in whole seconds since the epoch. */
export async function webhookHeaders(
	secret: string,
	eventId: string,
	timestamp: number,
	body: string,
): Promise<Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>> {
	const id = webhookId(eventId);
	return {
		"webhook-id": id,
		"webhook-timestamp": String(timestamp),
		"webhook-signature": await webhookSignature(secret, id, timestamp, body),
	};
}
