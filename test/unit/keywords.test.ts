import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyInbound } from "../../src/consent/keywords";

describe("classifyInbound", () => {
	it.each([
		"STOP",
		"Stop",
		" stop ",
		"STOP.",
		"stop!",
		"STOP PLEASE",
		"please stop",
		"Stop now",
		"stop it",
		"STOPALL",
		"stop all",
		"UNSUBSCRIBE",
		"unsubscribe me",
		"Unsubscribe me please",
		"cancel",
		"END",
		"quit",
		"REVOKE",
		"OPTOUT",
		"opt out",
		"Opt-Out",
		"opt-out please",
		"ＳＴＯＰ",
		"stop yes",
		"help stop",
		// Led by an unambiguous opt-out word, whatever follows.
		"stop texting me",
		"STOP sending me these messages",
		"Unsubscribe me from this list",
		"opt out of all of this",
		"stop the sales",
		"stop stop stop stop stop",
	])("should read %j as opt-out", (body) => {
		expect(classifyInbound(body)).toBe("opt-out");
	});

	it.each(["START", "start", "Yes!", "yes please", "UNSTOP", "unstop please"])("should read %j as opt-in", (body) => {
		expect(classifyInbound(body)).toBe("opt-in");
	});

	it.each(["HELP", "help?", "Info", "help me please", "yes help"])("should read %j as help", (body) => {
		expect(classifyInbound(body)).toBe("help");
	});

	it.each([
		"",
		"   ",
		"I can't stop using this product, love it",
		"Don't stop the sales",
		"when does the sale end?",
		"can you stop",
		"cancel my order",
		"end of the sale?",
		"quit sending junk to my mom lol",
		"stopped",
		"yesterday",
		"unsubscribed",
		"thanks",
		"please",
		"helpful",
		"the end",
		"👍",
	])("should not read %j as a keyword", (body) => {
		expect(classifyInbound(body)).toBeNull();
	});

	const keyword = fc.constantFrom(
		["stop", "opt-out"],
		["STOPALL", "opt-out"],
		["unsubscribe", "opt-out"],
		["Cancel", "opt-out"],
		["end", "opt-out"],
		["quit", "opt-out"],
		["revoke", "opt-out"],
		["optout", "opt-out"],
		["start", "opt-in"],
		["unstop", "opt-in"],
		["yes", "opt-in"],
		["help", "help"],
		["info", "help"],
	);
	const padding = fc.string({
		unit: fc.constantFrom(" ", "\t", "\n", ".", "!", "?", ",", "-", "…", "🙏"),
		maxLength: 4,
	});
	const casing = (word: string) =>
		fc
			.array(fc.boolean(), { minLength: word.length, maxLength: word.length })
			.map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));

	it("should classify a keyword the same whatever its casing, spacing and punctuation", () => {
		fc.assert(
			fc.property(
				keyword.chain(([word, intent]) => fc.tuple(casing(word), fc.constant(intent))),
				padding,
				padding,
				([word, intent], before, after) => {
					expect(classifyInbound(`${before}${word}${after}`)).toBe(intent);
				},
			),
		);
	});

	it("should not classify free text with a keyword in the middle", () => {
		const word = fc.constantFrom("the", "sale", "when", "does", "love", "product", "I", "can't", "today", "great");
		const words = fc.array(word, { minLength: 2, maxLength: 8 });
		fc.assert(
			fc.property(words, keyword, words, (before, [kw], after) => {
				expect(classifyInbound([...before, kw, ...after].join(" "))).toBeNull();
			}),
		);
	});
});
