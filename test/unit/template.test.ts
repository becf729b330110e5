import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, type Template } from "../../src/sms-text/template";

function parsed(text: string): Template {
	const result = parseTemplate(text);
	if (!result.ok) throw new Error(result.message);
	return result.template;
}

const LINK = "https://tap.example/AeBJLrw";
const literal = fc.string({ maxLength: 60 }).filter((s) => !s.includes("{") && !s.includes("}"));

describe("parseTemplate", () => {
	it("should list the placeholders a template uses, once each, in order", () => {
		const template = parsed("Hi {firstName|there}, {fields.size} in stock: {link} {firstName} {fields.size}");
		expect(template.placeholders).toEqual(["firstName", "fields.size", "link"]);
	});

	it.each([
		["Hi {firstName}", "the message must contain {link}"],
		["{link} {nickname}", "unknown placeholder {nickname}"],
		["{link} {fields.}", "unknown placeholder {fields.}"],
		["{link} {fields.a-b}", "unknown placeholder {fields.a-b}"],
		[`{link} {fields.${"a".repeat(65)}}`, "unknown placeholder"],
		["{link} {firstName", 'unbalanced "{"'],
		["{link} firstName}", 'unbalanced "}"'],
		["{link} {first{Name}", 'unbalanced "{"'],
		["{link|https://x}", "{link} cannot have a fallback"],
		[`{link}${"a".repeat(1600)}`, "longer than 1600"],
	])("should reject %j", (text, message) => {
		const result = parseTemplate(text);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.message).toContain(message);
	});

	it("should accept a 1600-character template and fields keys of 64 characters", () => {
		expect(parseTemplate(`{link}${"a".repeat(1594)}`).ok).toBe(true);
		expect(parseTemplate(`{link} {fields.${"a".repeat(64)}}`).ok).toBe(true);
	});
});

describe("renderTemplate", () => {
	const template = parsed("Hi {firstName}, 20% off today: {link} Reply STOP to opt out");

	it("should insert values", () => {
		expect(renderTemplate(template, { firstName: "Ana", link: LINK })).toBe(
			`Hi Ana, 20% off today: ${LINK} Reply STOP to opt out`,
		);
	});

	it.each([undefined, null, "", "  "])("should drop the space before punctuation when the value is %j", (firstName) => {
		expect(renderTemplate(template, { firstName, link: LINK })).toBe(
			`Hi, 20% off today: ${LINK} Reply STOP to opt out`,
		);
	});

	it("should use the fallback when the value is missing or blank", () => {
		const withFallback = parsed("Hi {firstName|there}, size {fields.size|M}: {link}");
		expect(renderTemplate(withFallback, { link: LINK, firstName: " " })).toBe(`Hi there, size M: ${LINK}`);
		expect(renderTemplate(withFallback, { link: LINK, firstName: "Bo", "fields.size": "XL" })).toBe(
			`Hi Bo, size XL: ${LINK}`,
		);
	});

	it("should collapse the double space an empty value leaves between words, and trailing spaces at the end", () => {
		expect(renderTemplate(parsed("Hi {firstName} welcome back {link}"), { link: LINK })).toBe(
			`Hi welcome back ${LINK}`,
		);
		expect(renderTemplate(parsed("{link} see you {firstName}"), { link: LINK })).toBe(`${LINK} see you`);
	});

	it("should render {{ and }} as literal braces and insert values verbatim", () => {
		const braces = parsed("{{promo}} {link} }}{{");
		expect(renderTemplate(braces, { link: LINK })).toBe(`{promo} ${LINK} }{`);
		expect(renderTemplate(parsed("Hi {firstName} {link}"), { link: LINK, firstName: "{lastName}" })).toBe(
			`Hi {lastName} ${LINK}`,
		);
	});

	it("should refuse to render without a link", () => {
		expect(() => renderTemplate(template, { firstName: "Ana" })).toThrow(/link/);
	});

	it("should render literal text unchanged", () => {
		fc.assert(
			fc.property(literal, literal, (before, after) => {
				const text = `${before}{link}${after}`;
				expect(renderTemplate(parsed(text), { link: LINK })).toBe(`${before}${LINK}${after}`);
			}),
		);
	});

	it("should round-trip doubled braces", () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 60 }), (text) => {
				const escaped = text.replaceAll("{", "{{").replaceAll("}", "}}");
				expect(renderTemplate(parsed(`${escaped}{link}`), { link: LINK })).toBe(`${text}${LINK}`);
			}),
		);
	});

	it("should never leave a placeholder behind", () => {
		const name = fc.constantFrom("firstName", "lastName", "externalId", "phone", "fields.size", "fields.city");
		const part = fc.oneof(
			literal.map((text) => ({ source: text })),
			fc.tuple(name, fc.option(literal, { nil: undefined })).map(([n, fallback]) => ({
				source: fallback === undefined ? `{${n}}` : `{${n}|${fallback}}`,
			})),
		);
		const value = fc.option(literal, { nil: undefined });
		fc.assert(
			fc.property(fc.array(part, { maxLength: 8 }), fc.dictionary(name, value), (parts, values) => {
				const text = `${parts.map((p) => p.source).join("")}{link}`;
				const rendered = renderTemplate(parsed(text), { ...values, link: LINK });
				expect(rendered).not.toMatch(/\{[^{}]*\}/);
			}),
		);
	});
});
