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
		// The FCC's 2024 rule: any reasonable way of saying it, as people write it.
		"Please stop texting me",
		"please stop texting me!!",
		"Stop texting me.",
		"can you stop",
		"Can you please stop sending me these?",
		"I want to stop receiving these messages",
		"quit sending junk to my mom lol",
		"remove me",
		"Remove me from your list please",
		"Please remove my number",
		"delete my number from your list",
		"take me off your list",
		"Take me off this list now",
		"don't text me anymore",
		"Don't text me again.",
		"do not text me",
		"DO NOT CONTACT ME",
		"Never message me again",
		"dont send me any more messages",
		"Don’t send me texts",
		"unsubscribe me",
		"I want to unsubscribe",
		"how do I unsubscribe? unsubscribe",
		"opt me out",
		"I don't want these texts",
		"I no longer want to receive your messages",
		"no more texts",
		"No more messages please",
		"no more",
		"leave me alone",
		"Wrong number",
		"STOP.",
		"STOP!!!",
		"Stop 🛑",
		"🛑STOP🛑",
		"stop😡",
		"Who is this? STOP",
		"Thanks, but stop",
		"ok stop",
		"hey, stop it",
		"Stop it now!",
		"Stop all messages",
		"REVOKE consent",
		"STOP this is harassment",
		"stop wasting my time",
		"STOP wtf",
		"Stop the sale texts",
		// Spanish.
		"PARAR",
		"parar.",
		"Cancelar",
		"ALTO",
		"Baja",
		"BAJA!",
		"fin",
		"basta ya",
		"paren por favor",
		"Detener",
		"no me envíes más mensajes",
		"No me envies mas mensajes",
		"no me manden nada más",
		"No me escriban",
		"ya no quiero recibir mensajes",
		"No quiero más mensajes",
		"no más mensajes",
		"No más",
		"quiero darme de baja",
		"Dame de baja por favor",
		"Por favor, dar de baja este número",
		"deja de enviarme mensajes",
		"Dejen de escribirme",
		"Sácame de la lista",
		"bórrame de su lista",
		"hola, no me envíes más",
	])("should read %j as opt-out", (body) => {
		expect(classifyInbound(body)).toBe("opt-out");
	});

	it.each(["START", "start", "Yes!", "yes please", "UNSTOP", "unstop please"])("should read %j as opt-in", (body) => {
		expect(classifyInbound(body)).toBe("opt-in");
	});

	it.each(["HELP", "help?", "Info", "help me please", "yes help", "AYUDA", "ayuda por favor"])(
		"should read %j as help",
		(body) => {
			expect(classifyInbound(body)).toBe("help");
		},
	);

	it.each([
		"",
		"   ",
		"I can't stop using this product, love it",
		"Don't stop the sales",
		"when does the sale end?",
		"cancel my order",
		"end of the sale?",
		"stopped",
		"yesterday",
		"unsubscribed",
		"thanks",
		"please",
		"helpful",
		"the end",
		"👍",
		// Keywords in ordinary sentences: no false opt-out.
		"don't stop the sale",
		"Don't stop! Love these deals",
		"stop by the store",
		"Stop by our store today!",
		"I'll stop by later",
		"Stop in today for 20% off",
		"stop at the mall later?",
		"stop and shop",
		"can't stop buying these 😂",
		"I ordered twice, cancel one please",
		"please cancel my order",
		"remove the item from my cart",
		"Can you remove the blue one from my order?",
		"take me to the sale",
		"no more stock?",
		"no more sales?",
		"don't send me the wrong size again",
		"I don't want the blue one",
		"do not ship before monday",
		"never stop shopping",
		"when does it end",
		"the sale ends tonight",
		"ALL CAPS IS FUN",
		"quit it lol that's so funny",
		"leave it at the door",
		"unsubscribed already?",
		// Spanish.
		"me encanta, no paren",
		"no pares la oferta",
		"quiero cancelar mi pedido",
		"¿El precio baja mañana?",
		"muy alto el precio",
		"¿Para cuándo llega?",
		"no me gusta el color",
		"no quiero el azul",
		"dar las gracias",
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
		["opt out", "opt-out"],
		["parar", "opt-out"],
		["cancelar", "opt-out"],
		["alto", "opt-out"],
		["baja", "opt-out"],
		["detener", "opt-out"],
		["start", "opt-in"],
		["unstop", "opt-in"],
		["yes", "opt-in"],
		["help", "help"],
		["info", "help"],
	);
	const padding = fc.string({
		unit: fc.constantFrom(
			" ",
			"\t",
			"\n",
			".",
			"!",
			"?",
			",",
			"-",
			"…",
			"¡",
			"¿",
			"🙏",
			"🛑",
			"😡",
			"❤️",
			"👍🏽",
			"\u200d",
		),
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

	// Any unambiguous opt-out keyword as a sentence of its own stops, whatever the text around it.
	it("should read a strong keyword as its own sentence as an opt-out, whatever surrounds it", () => {
		const strong = fc.constantFrom("stop", "STOPALL", "unsubscribe", "revoke", "optout", "opt out", "parar", "detener");
		const text = fc.string({ maxLength: 40 }).filter((t) => !/\p{L}$/u.test(t));
		fc.assert(
			fc.property(text, strong.chain(casing), padding, (before, word, after) => {
				expect(classifyInbound(`${before}. ${word}${after}`)).toBe("opt-out");
			}),
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
