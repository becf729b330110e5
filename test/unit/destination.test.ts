import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	buildLinkDestination,
	checkDestinationUrl,
	clickIdSlots,
	defaultUtm,
	slugify,
	type Utm,
	withClickId,
} from "../../src/campaigns/destination";

const UTM: Utm = { source: "sms", medium: "sms", campaign: "black-friday" };

describe("slugify", () => {
	it.each([
		["Black Friday 2026 — 20% off!", "black-friday-2026-20-off"],
		["Crème Brûlée Ünïcödé", "creme-brulee-unicode"],
		["İSTANBUL sale", "istanbul-sale"],
		["ﬁnal ① call", "final-1-call"],
		["  --Spring__Drop--  ", "spring-drop"],
		["already-a-slug", "already-a-slug"],
	])("should turn %j into %j", (name, slug) => {
		expect(slugify(name)).toBe(slug);
	});

	it.each(["", "   ", "!!!", "日本語のセール", "🎉🎉"])(
		"should fall back to 'campaign' when %j has no ascii letters or digits",
		(name) => {
			expect(slugify(name)).toBe("campaign");
		},
	);

	it("should cut at 64 characters without leaving a trailing dash", () => {
		expect(slugify("a".repeat(100))).toBe("a".repeat(64));
		expect(slugify(`${"a".repeat(63)} b`)).toBe("a".repeat(63));
	});

	it("should always give a short lowercase dashed slug, and the same slug when applied twice", () => {
		fc.assert(
			fc.property(fc.string({ unit: "binary", maxLength: 200 }), (name) => {
				const slug = slugify(name);
				expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
				expect(slug.length).toBeLessThanOrEqual(64);
				expect(slugify(slug)).toBe(slug);
			}),
		);
	});
});

describe("defaultUtm", () => {
	it("should use sms as source and medium and the slugged name as campaign", () => {
		expect(defaultUtm("Black Friday 2026 — 20% off!")).toEqual({
			source: "sms",
			medium: "sms",
			campaign: "black-friday-2026-20-off",
			term: null,
			content: null,
		});
	});

	it("should let given overrides win", () => {
		expect(
			defaultUtm("Spring", { source: "twilio", medium: "text", campaign: "spring-26", term: "shoes", content: "a" }),
		).toEqual({ source: "twilio", medium: "text", campaign: "spring-26", term: "shoes", content: "a" });
	});

	it("should ignore empty, blank and null overrides", () => {
		expect(defaultUtm("Spring", { source: "", medium: "  ", campaign: undefined, term: null, content: "" })).toEqual({
			source: "sms",
			medium: "sms",
			campaign: "spring",
			term: null,
			content: null,
		});
	});

	it("should trim overrides", () => {
		expect(defaultUtm("Spring", { source: " twilio ", term: " shoes " })).toMatchObject({
			source: "twilio",
			term: "shoes",
		});
	});
});

describe("checkDestinationUrl", () => {
	it("should accept an https URL and return its normalised form", () => {
		expect(checkDestinationUrl("HTTPS://Shop.Example.COM:443/a/../sale?x=1#top")).toEqual({
			ok: true,
			url: "https://shop.example.com/sale?x=1#top",
		});
	});

	it("should accept plain http and trim surrounding whitespace", () => {
		expect(checkDestinationUrl("  http://shop.example.com  ")).toEqual({ ok: true, url: "http://shop.example.com/" });
	});

	it("should percent-encode what the URL parser encodes", () => {
		expect(checkDestinationUrl("https://shop.example.com/sale page?q=a b")).toEqual({
			ok: true,
			url: "https://shop.example.com/sale%20page?q=a%20b",
		});
	});

	it.each([
		"javascript:alert(1)",
		"JavaScript:alert(document.cookie)",
		"java\tscript:alert(1)",
		"\njavascript:alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"vbscript:msgbox(1)",
		"file:///etc/passwd",
		"ftp://files.example.com/a",
		"mailto:someone@example.com",
		"blob:https://example.com/uuid",
	])("should refuse the scheme of %j", (input) => {
		expect(checkDestinationUrl(input)).toMatchObject({ ok: false, problem: "scheme-not-allowed" });
	});

	it.each([
		"",
		"   ",
		"/sale",
		"sale?x=1",
		"shop.example.com/sale",
		"//evil.example/sale",
		"http://",
		"https://",
		"https:// spaces.example",
		"https://exa mple.com",
		"http://[::1",
	])("should refuse %j as not an absolute URL", (input) => {
		expect(checkDestinationUrl(input)).toMatchObject({ ok: false, problem: "not-a-url" });
	});

	it.each([
		"https://user:pass@shop.example.com/",
		"https://user@shop.example.com/",
		"https://:secret@shop.example.com/",
		"https://bank.example.com@evil.example/login",
	])("should refuse credentials in %j", (input) => {
		expect(checkDestinationUrl(input)).toMatchObject({ ok: false, problem: "credentials-not-allowed" });
	});

	it("should accept 2048 characters and refuse 2049", () => {
		const base = "https://shop.example.com/";
		expect(checkDestinationUrl(base + "a".repeat(2048 - base.length))).toMatchObject({ ok: true });
		expect(checkDestinationUrl(base + "a".repeat(2049 - base.length))).toMatchObject({
			ok: false,
			problem: "too-long",
		});
	});

	it("should measure the length after normalisation", () => {
		const base = "https://shop.example.com/";
		// Each space becomes %20, so 1,000 spaces normalise to 3,000 characters.
		expect(checkDestinationUrl(`${base}${" ".repeat(1000)}x`)).toMatchObject({ ok: false, problem: "too-long" });
		expect(checkDestinationUrl(base + "a".repeat(100_000))).toMatchObject({ ok: false, problem: "too-long" });
	});

	it("should give a message for every refusal", () => {
		for (const input of ["nope", "javascript:x", "https://u:p@x.example", `https://x.example/${"a".repeat(3000)}`]) {
			const result = checkDestinationUrl(input);
			expect(result.ok).toBe(false);
			if (!result.ok) expect(result.message).toMatch(/destinationUrl/);
		}
	});

	it("should accept any web URL and return what the URL parser returns", () => {
		fc.assert(
			fc.property(
				fc.webUrl({ validSchemes: ["http", "https"], withQueryParameters: true, withFragments: true }),
				(input) => {
					const href = new URL(input).href;
					fc.pre(href.length <= 2048);
					expect(checkDestinationUrl(input)).toEqual({ ok: true, url: href });
				},
			),
		);
	});

	it("should refuse any web URL with another scheme", () => {
		fc.assert(
			fc.property(fc.webUrl({ validSchemes: ["ftp", "file", "ws", "wss", "javascript", "data", "tel"] }), (input) => {
				expect(checkDestinationUrl(input)).toMatchObject({ ok: false, problem: "scheme-not-allowed" });
			}),
		);
	});
});

describe("buildLinkDestination", () => {
	it("should add the campaign UTM and the variant as utm_content, keeping existing params and the fragment", () => {
		expect(buildLinkDestination("https://shop.example/sale?ref=home&page=2#top", UTM, "A")).toBe(
			"https://shop.example/sale?ref=home&page=2&utm_source=sms&utm_medium=sms&utm_campaign=black-friday&utm_content=A#top",
		);
	});

	it("should add a query where there was none", () => {
		expect(buildLinkDestination("https://shop.example", UTM, null)).toBe(
			"https://shop.example/?utm_source=sms&utm_medium=sms&utm_campaign=black-friday",
		);
	});

	it("should replace UTM params already on the destination instead of duplicating them", () => {
		expect(
			buildLinkDestination("https://shop.example/?utm_source=email&a=1&utm_campaign=old&utm_medium=x", UTM, null),
		).toBe("https://shop.example/?a=1&utm_source=sms&utm_medium=sms&utm_campaign=black-friday");
	});

	it("should treat a percent-encoded name as the same param", () => {
		expect(buildLinkDestination("https://shop.example/?utm%5Fsource=email&%75tm_medium=x", UTM, null)).toBe(
			"https://shop.example/?utm_source=sms&utm_medium=sms&utm_campaign=black-friday",
		);
	});

	it("should keep UTM params the campaign does not set", () => {
		expect(buildLinkDestination("https://shop.example/?utm_term=boots&utm_id=7", UTM, null)).toBe(
			"https://shop.example/?utm_term=boots&utm_id=7&utm_source=sms&utm_medium=sms&utm_campaign=black-friday",
		);
	});

	it("should keep existing params byte for byte, valueless ones and plus signs included", () => {
		expect(buildLinkDestination("https://shop.example/?flag&q=a%20b+c&&sig=AbC%2F%3D", UTM, null)).toBe(
			"https://shop.example/?flag&q=a%20b+c&&sig=AbC%2F%3D&utm_source=sms&utm_medium=sms&utm_campaign=black-friday",
		);
	});

	it("should add utm_term when the campaign sets one", () => {
		const url = new URL(buildLinkDestination("https://shop.example/?utm_term=x", { ...UTM, term: "boots" }, null));
		expect(url.searchParams.getAll("utm_term")).toEqual(["boots"]);
	});

	it("should prefer the variant over the campaign's utm_content and fall back to it otherwise", () => {
		const utm = { ...UTM, content: "hero" };
		const content = (variant: string | null) =>
			new URL(buildLinkDestination("https://shop.example/?utm_content=old", utm, variant)).searchParams.getAll(
				"utm_content",
			);
		expect(content("B")).toEqual(["B"]);
		expect(content(null)).toEqual(["hero"]);
		expect(content("")).toEqual(["hero"]);
		expect(new URL(buildLinkDestination("https://shop.example/", UTM, null)).searchParams.has("utm_content")).toBe(
			false,
		);
	});

	it("should encode values so they read back exactly", () => {
		const utm = { source: "a b&c=d", medium: "50%+off", campaign: "#1 l'été ☀️", term: "?/\\", content: "x" };
		const result = buildLinkDestination("https://shop.example/p#frag", utm, null);
		const url = new URL(result);
		expect(url.searchParams.get("utm_source")).toBe("a b&c=d");
		expect(url.searchParams.get("utm_medium")).toBe("50%+off");
		expect(url.searchParams.get("utm_campaign")).toBe("#1 l'été ☀️");
		expect(url.searchParams.get("utm_term")).toBe("?/\\");
		expect(url.hash).toBe("#frag");
		expect(url.href).toBe(result);
	});

	it("should not throw on lone surrogates and encode them as the URL API does", () => {
		const result = buildLinkDestination("https://shop.example/", { ...UTM, campaign: "a\uD800b" }, "\uDC00");
		expect(new URL(result).searchParams.get("utm_campaign")).toBe("a\uFFFDb");
		expect(new URL(result).searchParams.get("utm_content")).toBe("\uFFFD");
	});

	it("should keep a fragment that looks like a query out of the query", () => {
		expect(buildLinkDestination("https://shop.example/app#/cart?utm_source=x", UTM, null)).toBe(
			"https://shop.example/app?utm_source=sms&utm_medium=sms&utm_campaign=black-friday#/cart?utm_source=x",
		);
	});
});

describe("withClickId", () => {
	it.each([
		["https://shop.example/p", "https://shop.example/p?tlid=c1"],
		["https://shop.example/p?", "https://shop.example/p?tlid=c1"],
		["https://shop.example/p?x=1", "https://shop.example/p?x=1&tlid=c1"],
		["https://shop.example/p?x=1&", "https://shop.example/p?x=1&tlid=c1"],
		["https://shop.example/p#top", "https://shop.example/p?tlid=c1#top"],
		["https://shop.example/p?x=1#top", "https://shop.example/p?x=1&tlid=c1#top"],
		["https://shop.example/p?tlid=old", "https://shop.example/p?tlid=c1"],
		["https://shop.example/p?tlid=old&x=1&tlid=older#f", "https://shop.example/p?x=1&tlid=c1#f"],
		["https://shop.example/p?tl%69d=old&%74lid&x=1", "https://shop.example/p?x=1&tlid=c1"],
		[
			"https://shop.example/p?tlidx=1&xtlid=2&TLID=3&tlid+=4",
			"https://shop.example/p?tlidx=1&xtlid=2&TLID=3&tlid+=4&tlid=c1",
		],
		["https://shop.example/p?x=tlid#tlid=5", "https://shop.example/p?x=tlid&tlid=c1#tlid=5"],
		["https://shop.example/p#a?tlid=5", "https://shop.example/p?tlid=c1#a?tlid=5"],
		["https://shop.example/p?x=1#a#b?c=1", "https://shop.example/p?x=1&tlid=c1#a#b?c=1"],
		["https://shop.example/p?tlid=0&next=/a?b=1", "https://shop.example/p?next=/a?b=1&tlid=c1"],
	])("should turn %s into %s", (destination, expected) => {
		expect(withClickId(destination, "c1")).toBe(expected);
	});

	it("should encode an unusual click id", () => {
		expect(new URL(withClickId("https://shop.example/", "a&b=c d")).searchParams.get("tlid")).toBe("a&b=c d");
	});
});

const webUrl = fc.webUrl({ validSchemes: ["http", "https"], withQueryParameters: true, withFragments: true });
const paramName = fc.oneof(
	fc.constantFrom("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "tlid", "ref"),
	fc.string({ unit: "binary", maxLength: 10 }),
);
const originalParams = fc.array(fc.tuple(paramName, fc.string({ unit: "binary", maxLength: 20 })), { maxLength: 8 });
const text = fc.string({ unit: "binary", maxLength: 30 });
const utmArb: fc.Arbitrary<Utm> = fc.record({
	source: text,
	medium: text,
	campaign: text,
	term: fc.option(text),
	content: fc.option(text),
});

// Raw segments reach encodings URLSearchParams.append never produces: encoded names, valueless names, empty segments.
const rawSegments = fc.array(
	fc.constantFrom(
		"tlid=old",
		"tlid",
		"tl%69d=x",
		"%74%6C%69%64=y",
		"TLID=z",
		"tlid%3D=1",
		"utm%5Fsource=raw",
		"utm_medium",
		"%75tm_campaign=",
		"flag",
		"q=a%20b+c",
		"next=/cart?step=2",
		"&&",
	),
	{ maxLength: 4 },
);

// fc.webUrl's fragments never hold "#", "?" or look like our params; these do.
const fragment = fc.option(fc.constantFrom("#", "#top", "#/cart?utm_source=x&tlid=1", "#a#b?c=1", "#?"));

function destinationFrom(base: string, params: [string, string][], raw: string[], hash: string | null): string {
	const parsed = new URL(base);
	for (const [name, value] of params) parsed.searchParams.append(name, value);
	const query = [parsed.search.slice(1), ...raw].filter((part) => part !== "").join("&");
	return new URL(`${parsed.origin}${parsed.pathname}?${query}${hash ?? parsed.hash}`).href;
}

function entriesWithout(url: URL, names: ReadonlySet<string>): [string, string][] {
	return [...url.searchParams].filter(([name]) => !names.has(name));
}

describe("buildLinkDestination then withClickId, for arbitrary URLs", () => {
	it("should set each UTM key and tlid exactly once and keep everything else", () => {
		fc.assert(
			fc.property(
				webUrl,
				originalParams,
				rawSegments,
				fragment,
				utmArb,
				fc.option(text),
				text,
				(base, params, raw, hash, utm, variant, clickId) => {
					const destination = destinationFrom(base, params, raw, hash);
					const result = withClickId(buildLinkDestination(destination, utm, variant), clickId);

					const expected = new Map<string, string>([
						["utm_source", utm.source],
						["utm_medium", utm.medium],
						["utm_campaign", utm.campaign],
					]);
					if (utm.term) expected.set("utm_term", utm.term);
					const content = variant || utm.content;
					if (content) expected.set("utm_content", content);
					expected.set("tlid", clickId);

					const url = new URL(result);
					const original = new URL(destination);
					expect(url.href).toBe(result);
					expect(url.origin).toBe(original.origin);
					expect(url.pathname).toBe(original.pathname);
					expect(url.hash).toBe(original.hash);
					for (const [name, value] of expected) expect(url.searchParams.getAll(name)).toEqual([value]);
					const ours = new Set(expected.keys());
					expect(entriesWithout(url, ours)).toEqual(entriesWithout(original, ours));
				},
			),
			{ numRuns: 500 },
		);
	});
});

describe("withClickId, for arbitrary URLs", () => {
	function reference(destination: string, clickId: string): URL {
		const url = new URL(destination);
		url.searchParams.delete("tlid");
		url.searchParams.append("tlid", clickId);
		return url;
	}

	it("should mean the same as deleting and appending tlid with the URL API", () => {
		fc.assert(
			fc.property(webUrl, originalParams, rawSegments, fragment, text, (base, params, raw, hash, clickId) => {
				const destination = destinationFrom(base, params, raw, hash);
				const result = withClickId(destination, clickId);
				const url = new URL(result);
				const expected = reference(destination, clickId);
				expect(url.href).toBe(result);
				expect(url.origin).toBe(expected.origin);
				expect(url.pathname).toBe(expected.pathname);
				expect(url.hash).toBe(expected.hash);
				expect([...url.searchParams]).toEqual([...expected.searchParams]);
			}),
			{ numRuns: 500 },
		);
	});

	it("should be idempotent for the same click id and replace an earlier one", () => {
		fc.assert(
			fc.property(webUrl, text, text, (base, first, second) => {
				const destination = new URL(base).href;
				const once = withClickId(destination, second);
				expect(withClickId(once, second)).toBe(once);
				expect(withClickId(withClickId(destination, first), second)).toBe(once);
			}),
		);
	});
});

describe("clickIdSlots", () => {
	it("should give what withClickId gives, for arbitrary link destinations and alphanumeric click ids", () => {
		fc.assert(
			fc.property(
				webUrl,
				originalParams,
				rawSegments,
				fragment,
				utmArb,
				fc.option(text),
				fc.stringMatching(/^[0-9A-Za-z]{1,32}$/),
				(base, params, raw, hash, utm, variant, clickId) => {
					const linkDestination = buildLinkDestination(destinationFrom(base, params, raw, hash), utm, variant);
					const { before, after } = clickIdSlots(linkDestination);
					expect(`${before}${clickId}${after}`).toBe(withClickId(linkDestination, clickId));
				},
			),
		);
	});
});
