import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signingKey, webhookHeaders, webhookId } from "../../src/outbound-webhooks/signature";

// The outbound webhook signature is Standard Webhooks': checked against the reference package (`standardwebhooks`,
// which Svix's libraries match), never against a second copy of our own code.

const now = () => Math.floor(Date.now() / 1000);

describe("webhook secrets", () => {
	it("should be whsec_ and the base64 of 32 random bytes, each new", () => {
		const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));
		expect(secrets.size).toBe(50);
		for (const secret of secrets) {
			expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
			expect(signingKey(secret)).toHaveLength(32);
		}
	});

	it("should read a secret issued before (whsec_ and 32 letters and digits) as the 24 bytes it is base64 of", async () => {
		const legacy = "whsec_abcdefghijklmnopqrstuvwxyz012345";
		expect(signingKey(legacy)).toHaveLength(24);
		const body = '{"id":"e1"}';
		const headers = await webhookHeaders(legacy, "e1", now(), body);
		expect(new Webhook(legacy).verify(body, headers)).toEqual({ id: "e1" });
	});
});

describe("webhookHeaders", () => {
	it("should match the reference package's signature byte for byte", async () => {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
		const reference = new Webhook(secret).sign(
			"msg_p5jXN8AQM9LWM0D4loKWxJek",
			new Date(1614265330 * 1000),
			'{"test": 2432232314}',
		);
		const ours = await webhookHeaders(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
		expect(ours["webhook-signature"]).toBe(reference);
		// The example in Svix's documentation of the scheme.
		expect(reference).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
		expect(ours["webhook-timestamp"]).toBe("1614265330");
		expect(ours["webhook-id"]).toBe("msg_p5jXN8AQM9LWM0D4loKWxJek");
	});

	const delivery = fc.record({
		eventId: fc.string({ minLength: 1, maxLength: 80 }),
		body: fc.json({ maxDepth: 3 }),
		skew: fc.integer({ min: -240, max: 240 }),
	});

	it("should verify with the reference package for any id, body and fresh timestamp", async () => {
		await fc.assert(
			fc.asyncProperty(delivery, async ({ eventId, body, skew }) => {
				const secret = newWebhookSecret();
				const headers = await webhookHeaders(secret, eventId, now() + skew, body);
				expect(headers["webhook-id"]).toMatch(/^[\x21-\x7e]+$/);
				expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
			}),
			{ numRuns: 200 },
		);
	});

	it("should fail the reference verifier after any one character of the body changes", async () => {
		await fc.assert(
			fc.asyncProperty(delivery, fc.nat(), fc.integer({ min: 1, max: 0xff }), async ({ eventId, body }, at, delta) => {
				const secret = newWebhookSecret();
				const headers = await webhookHeaders(secret, eventId, now(), body);
				const pos = at % body.length;
				const tampered =
					body.slice(0, pos) + String.fromCharCode((body.charCodeAt(pos) + delta) % 0x100) + body.slice(pos + 1);
				if (tampered === body) return;
				expect(() => new Webhook(secret).verify(tampered, headers)).toThrow();
			}),
			{ numRuns: 200 },
		);
	});

	it("should fail the reference verifier for an old or future timestamp, another id, or another secret", async () => {
		const secret = newWebhookSecret();
		const body = '{"id":"link.clicked:abc"}';
		const old = await webhookHeaders(secret, "link.clicked:abc", now() - 301, body);
		expect(() => new Webhook(secret).verify(body, old)).toThrow(/too old/);
		const future = await webhookHeaders(secret, "link.clicked:abc", now() + 301, body);
		expect(() => new Webhook(secret).verify(body, future)).toThrow(/too new/);
		const fresh = await webhookHeaders(secret, "link.clicked:abc", now(), body);
		expect(() => new Webhook(secret).verify(body, { ...fresh, "webhook-id": "link.clicked:abd" })).toThrow();
		expect(() => new Webhook(newWebhookSecret()).verify(body, fresh)).toThrow();
		// A timestamp moved forward with the old signature (a replay made to look fresh) fails too.
		expect(() => new Webhook(secret).verify(body, { ...old, "webhook-timestamp": String(now()) })).toThrow();
	});
});

describe("webhookId", () => {
	it("should keep a printable id as it is and percent-encode the rest, one id to one header", () => {
		expect(webhookId("purchase.attributed:1001:cmp_x")).toBe("purchase.attributed:1001:cmp_x");
		expect(webhookId("purchase.attributed:Bestellung Nr. 5")).toBe("purchase.attributed:Bestellung%20Nr.%205");
		expect(webhookId("a%20b")).not.toBe(webhookId("a b"));
		fc.assert(
			fc.property(fc.string(), fc.string(), (a, b) => {
				expect(webhookId(a)).toMatch(/^[\x21-\x7e]*$/);
				if (a !== b && new TextEncoder().encode(a).join() !== new TextEncoder().encode(b).join()) {
					expect(webhookId(a)).not.toBe(webhookId(b));
				}
			}),
		);
	});
});
