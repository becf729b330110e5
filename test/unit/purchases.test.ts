import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attribute, type ClickFacts, LONGEST_WINDOW_MS } from "../../src/purchases/attribution";
import { fromMinor, isCurrency, minorDigits, toMinor } from "../../src/purchases/money";
import { readShopifyOrder, verifyShopifyHmac } from "../../src/purchases/shopify";

const bytes = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe("verifyShopifyHmac", () => {
	// Known answers: HMAC-SHA256 test case 2 of RFC 4231, and the widely published base64 example for key "secret".
	it.each([
		["Jefe", "what do ya want for nothing?", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="],
		["secret", "foo", "dzukRpPHVT1u4g9h6l0nV6mk9KRNKEGuTpW1LkzWLbQ="],
	])("should accept the known signature for key %j", async (key, body, signature) => {
		expect(await verifyShopifyHmac(key, bytes(body), signature)).toBe(true);
	});

	it("should refuse a tampered body, another key, and malformed headers", async () => {
		const signature = "dzukRpPHVT1u4g9h6l0nV6mk9KRNKEGuTpW1LkzWLbQ=";
		expect(await verifyShopifyHmac("secret", bytes("fo0"), signature)).toBe(false);
		expect(await verifyShopifyHmac("Secret", bytes("foo"), signature)).toBe(false);
		expect(await verifyShopifyHmac("secret", bytes("foo"), signature.slice(0, -4))).toBe(false);
		expect(await verifyShopifyHmac("secret", bytes("foo"), "%%%")).toBe(false);
		expect(await verifyShopifyHmac("secret", bytes("foo"), "")).toBe(false);
	});

	it("should accept exactly the signature it computes, for any key and body", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.string({ minLength: 1 }),
				fc.string(),
				fc.string({ minLength: 1 }),
				async (key, body, other) => {
					const cryptoKey = await crypto.subtle.importKey(
						"raw",
						new TextEncoder().encode(key),
						{ name: "HMAC", hash: "SHA-256" },
						false,
						["sign"],
					);
					const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, bytes(body)));
					const signature = btoa(String.fromCharCode(...mac));
					expect(await verifyShopifyHmac(key, bytes(body), signature)).toBe(true);
					expect(await verifyShopifyHmac(key, bytes(body + other), signature)).toBe(false);
				},
			),
			{ numRuns: 50 },
		);
	});
});

describe("readShopifyOrder", () => {
	it("should read id, total, currency, time, and the tlid of the landing site", () => {
		expect(
			readShopifyOrder({
				id: 450789469,
				total_price: "409.94",
				currency: "usd",
				created_at: "2026-11-27T10:00:00-05:00",
				landing_site: "http://www.example.com?source=abc&tlid=Abc123Def456Ghi789Jk",
				phone: "+557734881234",
			}),
		).toEqual({
			orderId: "450789469",
			valueMinor: 40994,
			currency: "USD",
			at: Date.UTC(2026, 10, 27, 15),
			tlid: "Abc123Def456Ghi789Jk",
			phone: "+557734881234",
		});
	});

	it("should prefer the tlid of note attributes and read national phones with the billing country", () => {
		const order = readShopifyOrder({
			id: 1,
			total_price: "10",
			currency: "GBP",
			note_attributes: [
				{ name: "gift", value: "yes" },
				{ name: "tlid", value: "FromNoteAttr12345678" },
			],
			landing_site: "/?tlid=FromLandingSite123456",
			customer: { phone: "020 7946 0958" },
			billing_address: { country_code: "GB" },
		});
		expect(order).toMatchObject({ tlid: "FromNoteAttr12345678", phone: "+442079460958" });
	});

	it.each([
		["no id", { total_price: "1", currency: "USD" }],
		["an unknown currency", { id: 1, total_price: "1", currency: "XXX1" }],
		["a total that is not a number", { id: 1, total_price: "free", currency: "USD" }],
		["a negative total", { id: 1, total_price: "-5", currency: "USD" }],
		["no object at all", "order"],
	])("should refuse an order with %s", (_, order) => {
		expect(readShopifyOrder(order)).toBeNull();
	});
});

describe("money", () => {
	it("should keep amounts in each currency's minor unit", () => {
		expect([minorDigits("USD"), minorDigits("JPY"), minorDigits("KWD")]).toEqual([2, 0, 3]);
		expect(toMinor(19.99, "USD")).toBe(1999);
		expect(toMinor(1500, "JPY")).toBe(1500);
		expect(toMinor(1.2345, "KWD")).toBe(1235);
		expect(fromMinor(1999, "USD")).toBe(19.99);
		expect(isCurrency("EUR")).toBe(true);
		expect(isCurrency("eur")).toBe(false);
		expect(isCurrency("ABC")).toBe(false);
	});

	it("should round-trip any amount with at most the currency's decimals", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 10_000_000_000 }),
				fc.constantFrom("USD", "JPY", "KWD", "EUR"),
				(minor, c) => {
					expect(toMinor(fromMinor(minor, c), c)).toBe(minor);
				},
			),
		);
	});
});

describe("attribute", () => {
	const click = (clickedAt: number, id = "c1"): ClickFacts => ({
		id,
		campaignId: "cmp_1",
		linkCode: "Abc1234",
		contactId: "ct_1",
		variant: "A",
		clickedAt,
	});

	it("should give a purchase with a click id to that click, however old", () => {
		const a = attribute(1_000_000_000_000, click(1), null, click(999_999_999_000, "newer"));
		expect(a).toMatchObject({ clickId: "c1", attributedBy: "click_id", lagMs: 999_999_999_999 });
	});

	it("should give a purchase without one to the last tap within the longest window, else to nobody", () => {
		const at = 10 * LONGEST_WINDOW_MS;
		expect(attribute(at, null, "ct_1", click(at - 1000))).toMatchObject({ attributedBy: "last_click", lagMs: 1000 });
		expect(attribute(at, null, "ct_1", click(at - LONGEST_WINDOW_MS - 1))).toMatchObject({
			attributedBy: null,
			campaignId: null,
			contactId: "ct_1",
		});
		expect(attribute(at, null, null, null)).toMatchObject({ attributedBy: null, contactId: null });
	});

	it("should never report a negative delay", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 45 }), (at, clickedAt) => {
				const a = attribute(at, click(clickedAt), "ct_1", null);
				expect(a.lagMs).toBeGreaterThanOrEqual(0);
			}),
		);
	});
});
