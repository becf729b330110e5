import { describe, expect, it } from "vitest";
import { config, parseConfig, publicOrigin } from "../../src/config";

const BASE = {
	PUBLIC_URL: "",
	CODE_LENGTH: "7",
	RAW_CLICK_RETENTION_DAYS: "90",
	PIXEL_MAX_VALUE: "100000",
	API_RATE_LIMIT: "600",
	SMS_PROVIDER: "outbox",
	TWILIO_FROM: "",
	TWILIO_MESSAGING_SERVICE_SID: "",
	TWILIO_API_BASE: "https://api.twilio.com",
	TWILIO_TIMEOUT_MS: "10000",
	ADMIN_TOKEN: "",
	SESSION_SECRET: "",
	TWILIO_ACCOUNT_SID: "",
	TWILIO_AUTH_TOKEN: "",
};
const envOf = (vars: Partial<typeof BASE>) => ({ ...BASE, ...vars }) as unknown as Env;

describe("config", () => {
	it("should read every setting, with the defaults for junk or out-of-range values", () => {
		const c = parseConfig(envOf({}));
		expect(c).toMatchObject({ publicUrl: null, codeLength: 7, rawClickRetentionDays: 90, pixelMaxValue: 100_000 });
		expect(c.sms).toEqual({ ok: true, settings: { provider: "outbox" } });
		expect(c.adminToken).toBeNull();
		for (const CODE_LENGTH of ["", "5", "33", "7.5", "seven"]) {
			expect(parseConfig(envOf({ CODE_LENGTH })).codeLength, CODE_LENGTH).toBe(7);
		}
		expect(parseConfig(envOf({ CODE_LENGTH: "12" })).codeLength).toBe(12);
		expect(parseConfig(envOf({ RAW_CLICK_RETENTION_DAYS: "0" })).rawClickRetentionDays).toBe(90);
		expect(parseConfig(envOf({ RAW_CLICK_RETENTION_DAYS: "30" })).rawClickRetentionDays).toBe(30);
		expect(parseConfig(envOf({ PIXEL_MAX_VALUE: "-1" })).pixelMaxValue).toBe(100_000);
		expect(parseConfig(envOf({ PIXEL_MAX_VALUE: "5000000" })).pixelMaxValue).toBe(5_000_000);
		// Hundreds of requests a minute per key by default, enough for a shop and the README walk-through.
		expect(c.apiRateLimit).toBe(600);
		for (const API_RATE_LIMIT of ["", "0", "-5", "1.5", "lots"]) {
			expect(parseConfig(envOf({ API_RATE_LIMIT })).apiRateLimit, API_RATE_LIMIT).toBe(600);
		}
		expect(parseConfig(envOf({ API_RATE_LIMIT: "120" })).apiRateLimit).toBe(120);
	});

	it("should read PUBLIC_URL one way: an http(s) origin without trailing slashes, else not set", () => {
		expect(parseConfig(envOf({ PUBLIC_URL: " https://tap.example/ " })).publicUrl).toBe("https://tap.example");
		expect(parseConfig(envOf({ PUBLIC_URL: "tap.example" })).publicUrl).toBeNull();
		expect(parseConfig(envOf({ PUBLIC_URL: "ftp://tap.example" })).publicUrl).toBeNull();
		expect(publicOrigin(envOf({ PUBLIC_URL: "https://tap.example//" }), "http://localhost:8787/api")).toBe(
			"https://tap.example",
		);
		expect(publicOrigin(envOf({}), "http://localhost:8787/api/v1/x")).toBe("http://localhost:8787");
	});

	it("should list everything Twilio sending lacks, and build the status callback from PUBLIC_URL", () => {
		expect(parseConfig(envOf({ SMS_PROVIDER: "twilio" })).sms).toEqual({
			ok: false,
			problems: [
				expect.stringMatching(/TWILIO_ACCOUNT_SID/),
				expect.stringMatching(/TWILIO_AUTH_TOKEN/),
				expect.stringMatching(/TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID/),
				expect.stringMatching(/PUBLIC_URL/),
			],
		});
		expect(parseConfig(envOf({ SMS_PROVIDER: "carrier-pigeon" })).sms).toEqual({
			ok: false,
			problems: [expect.stringMatching(/SMS_PROVIDER must be/)],
		});
		const ready = parseConfig(
			envOf({
				SMS_PROVIDER: "twilio",
				TWILIO_ACCOUNT_SID: "AC123",
				TWILIO_AUTH_TOKEN: "token",
				TWILIO_FROM: "+15005550006",
				TWILIO_MESSAGING_SERVICE_SID: "MG123",
				PUBLIC_URL: "https://tap.example/",
				TWILIO_TIMEOUT_MS: "50",
			}),
		).sms;
		expect(ready).toEqual({
			ok: true,
			settings: {
				provider: "twilio",
				accountSid: "AC123",
				authToken: "token",
				from: null,
				messagingServiceSid: "MG123",
				apiBase: "https://api.twilio.com",
				statusCallbackUrl: "https://tap.example/api/v1/webhooks/twilio/status",
				timeoutMs: 10_000,
			},
		});
	});

	it("should parse an env once, and another env on its own", () => {
		const a = envOf({ CODE_LENGTH: "9" });
		expect(config(a)).toBe(config(a));
		expect(config(envOf({ CODE_LENGTH: "10" })).codeLength).toBe(10);
	});
});
