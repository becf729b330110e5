import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { phoneHash, phoneHashes } from "../../src/consent/suppression";
import { normalisePhone } from "../../src/contacts/phone";

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("phoneHash", () => {
	it("should be the HMAC-SHA-256 of the E.164 phone under the secret, as hex", async () => {
		const key = await crypto.subtle.importKey(
			"raw",
			new TextEncoder().encode("s3cret"),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign"],
		);
		const expected = hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("+14155552671")));
		expect(await phoneHash("s3cret", "+14155552671")).toBe(expected);
		// Not the bare SHA-256 anyone could recompute for every number.
		const bare = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("+14155552671")));
		expect(await phoneHash("s3cret", "+14155552671")).not.toBe(bare);
	});

	it("should give one hash per number however it was written, and another under another secret", async () => {
		const us = fc.integer({ min: 2_000_000, max: 9_999_999 }).map((n) => `415${n}`);
		await fc.assert(
			fc.asyncProperty(us, async (digits) => {
				const e164 = normalisePhone(`+1${digits}`);
				const national = normalisePhone(`(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`, "US");
				if (!e164.ok || !national.ok) return;
				expect(await phoneHash("a", national.e164)).toBe(await phoneHash("a", e164.e164));
				expect(await phoneHash("b", e164.e164)).not.toBe(await phoneHash("a", e164.e164));
			}),
			{ numRuns: 50 },
		);
	});

	it("should hash each distinct phone of a list once", async () => {
		const hashes = await phoneHashes("a", ["+14155552671", "+14155552672", "+14155552671"]);
		expect([...hashes.keys()]).toEqual(["+14155552671", "+14155552672"]);
		expect(hashes.get("+14155552672")).toBe(await phoneHash("a", "+14155552672"));
	});
});
