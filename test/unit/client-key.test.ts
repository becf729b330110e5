import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/purchases/client-key";
import { pixelMaxMinor } from "../../src/purchases/money";

describe("clientKey", () => {
	it("should keep an IPv4 address as it is", () => {
		expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
	});

	it("should cut an IPv6 address to its /64, whatever its spelling", () => {
		const key = "2001:db8:1:2::/64";
		for (const ip of [
			"2001:db8:1:2::1",
			"2001:0db8:0001:0002:ffff:ffff:ffff:ffff",
			"2001:DB8:1:2:0:0:0:0",
			"[2001:db8:1:2::abcd]",
			"2001:db8:1:2:1:2:192.0.2.1",
		]) {
			expect(clientKey(ip), ip).toBe(key);
		}
		expect(clientKey("2001:db8:1:3::1")).not.toBe(key);
		expect(clientKey("::1")).toBe("0:0:0:0::/64");
	});

	it("should give every address of one /64 the same key, and another /64 another key", () => {
		const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
		const groups = (n: number) => fc.array(group, { minLength: n, maxLength: n });
		fc.assert(
			fc.property(groups(4), groups(4), groups(4), (prefix, a, b) => {
				const one = clientKey([...prefix, ...a].join(":"));
				expect(one).toBe(clientKey([...prefix, ...b].join(":")));
				const other = [...prefix];
				other[3] = ((Number.parseInt(prefix[3] ?? "0", 16) + 1) % 0x10000).toString(16);
				expect(clientKey([...other, ...a].join(":"))).not.toBe(one);
			}),
		);
	});

	it("should read IPv4-mapped IPv6 as the IPv4 address", () => {
		expect(clientKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
		expect(clientKey("::ffff:c000:201")).toBe("192.0.2.1");
	});
});

describe("pixelMaxMinor", () => {
	it("should allow the same number of minor units in every currency", () => {
		const none = new Map<string, number>();
		expect(pixelMaxMinor("USD", 100_000, none)).toBe(10_000_000);
		expect(pixelMaxMinor("JPY", 100_000, none)).toBe(10_000_000);
		expect(pixelMaxMinor("KWD", 100_000, none)).toBe(10_000_000);
	});

	it("should take a currency's own bound, in its major units, when one is set", () => {
		expect(pixelMaxMinor("VND", 100_000, new Map([["VND", 2_500_000_000]]))).toBe(2_500_000_000);
		expect(pixelMaxMinor("EUR", 100_000, new Map([["EUR", 5_000]]))).toBe(500_000);
	});
});
