import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { twilioSignature, verifyTwilioSignature } from "../../src/twilio/signature";

// Twilio's documented example (Webhooks security; twilio/api-snippets security/signature_validation).
const TOKEN = "12345";
const URL_ = "https://mycompany.com/myapp.php?foo=1&bar=2";
function example(caller: string): [string, string][] {
	return [
		["CallSid", "CA1234567890ABCDE"],
		["Caller", caller],
		["Digits", "1234"],
		["From", caller],
		["To", "+18005551212"],
	];
}

describe("twilioSignature", () => {
	it.each([
		["+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="],
		["+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="],
		["+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="],
	])("should match Twilio's known answer for Caller %s", async (caller, expected) => {
		expect(await twilioSignature(TOKEN, URL_, example(caller))).toBe(expected);
		expect(await twilioSignature(TOKEN, URL_, new URLSearchParams(example(caller).reverse()))).toBe(expected);
		expect(await verifyTwilioSignature(TOKEN, URL_, example(caller), expected)).toBe(true);
	});

	it("should sign a repeated name's distinct values in sorted order, as the official helpers do", async () => {
		const a = await twilioSignature("t", "https://x.example/h", [
			["MediaUrl", "b"],
			["Body", "hi"],
			["MediaUrl", "a"],
			["MediaUrl", "b"],
		]);
		const b = await twilioSignature("t", "https://x.example/hBodyhiMediaUrlaMediaUrlb", []);
		expect(a).toBe(b);
	});
});

describe("verifyTwilioSignature", () => {
	const params = example("+12349013030");
	const signature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

	it("should refuse a tampered URL, parameter, token or header", async () => {
		expect(await verifyTwilioSignature(TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=3", params, signature)).toBe(
			false,
		);
		expect(await verifyTwilioSignature(TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", params, signature)).toBe(
			false,
		);
		const tampered = params.map(([k, v]): [string, string] => [k, k === "Digits" ? "1235" : v]);
		expect(await verifyTwilioSignature(TOKEN, URL_, tampered, signature)).toBe(false);
		expect(await verifyTwilioSignature(TOKEN, URL_, [...params, ["Extra", ""]], signature)).toBe(false);
		expect(await verifyTwilioSignature("12346", URL_, params, signature)).toBe(false);
		for (const header of [
			"",
			"0/KCTR6DLpKmkAf8muzZqo1nDgQ",
			"1/KCTR6DLpKmkAf8muzZqo1nDgQ=",
			"not base64!",
			`${signature}AAAA`,
		]) {
			expect(await verifyTwilioSignature(TOKEN, URL_, params, header)).toBe(false);
		}
	});

	it("should accept the URL with or without its default port", async () => {
		const withPort = await twilioSignature(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params);
		expect(await verifyTwilioSignature(TOKEN, URL_, params, withPort)).toBe(true);
		expect(
			await verifyTwilioSignature(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, signature),
		).toBe(true);
		const otherPort = await twilioSignature(TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params);
		expect(await verifyTwilioSignature(TOKEN, URL_, params, otherPort)).toBe(false);
	});

	const param = fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 24 }));
	const request = fc.record({
		token: fc.string({ minLength: 1, maxLength: 40 }),
		path: fc.webPath(),
		params: fc.uniqueArray(param, { maxLength: 8, selector: ([k]) => k }),
	});

	it("should verify what it signs", async () => {
		await fc.assert(
			fc.asyncProperty(request, async ({ token, path, params }) => {
				const url = `https://hooks.example${path}`;
				const signature = await twilioSignature(token, url, params);
				expect(await verifyTwilioSignature(token, url, params, signature)).toBe(true);
			}),
			{ numRuns: 200 },
		);
	});

	it("should refuse a request after any one character of any parameter changes", async () => {
		await fc.assert(
			fc.asyncProperty(
				request.filter((r) => r.params.length > 0),
				fc.nat(),
				fc.nat(),
				fc.boolean(),
				fc.integer({ min: 1, max: 0xffff }),
				async ({ token, path, params }, which, at, inName, delta) => {
					const url = `https://hooks.example${path}`;
					const signature = await twilioSignature(token, url, params);
					const i = which % params.length;
					const [name, value] = params[i] as [string, string];
					const target = inName ? name : value;
					if (target.length === 0) return;
					const pos = at % target.length;
					const changed = String.fromCharCode((target.charCodeAt(pos) + delta) % 0x10000);
					const edited = target.slice(0, pos) + changed + target.slice(pos + 1);
					if (edited === target) return;
					const next = params.map((p, k): [string, string] =>
						k === i ? (inName ? [edited, value] : [name, edited]) : [p[0], p[1]],
					);
					// A rename onto another parameter's name merges the two, a different case from a one-byte edit.
					if (inName && params.some(([k]) => k === edited)) return;
					expect(await verifyTwilioSignature(token, url, next, signature)).toBe(false);
				},
			),
			{ numRuns: 200 },
		);
	});
});
