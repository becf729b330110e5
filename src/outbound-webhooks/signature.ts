const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
	return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The `Tapline-Signature` header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with
 * the endpoint's secret. The timestamp is signed with the body, so a receiver can refuse replays of old deliveries.
 */
export async function signatureHeader(secret: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
	return `t=${timestamp},v1=${hex(mac)}`;
}
