// What an inbound SMS asks for: to stop (opt-out), to start again (opt-in), or help.
//
// The FCC's 2024 revocation rule: a consumer may revoke consent "by any reasonable means", and a reply such as
// "stop", "quit", "end", "revoke", "opt out", "cancel" or "unsubscribe" is revocation per se. So an opt-out is read
// from a keyword, and from the sentences people actually write ("Please stop texting me", "remove me", "don't text
// me anymore", "no me envíes más mensajes"), while a customer's sentence that merely contains a keyword ("don't stop
// the sale", "stop by the store", "cancel my order") is not. The rule:
// 1. Normalise: Unicode NFKD with the accents dropped (full-width letters, "envíes" = "envies"), lower case,
//    apostrophes dropped ("don't" = "dont"), then words are runs of letters and digits: "STOP.", " stop! ", "opt-out"
//    and "Opt out" give the same words.
// 2. Keywords: a message of at most 4 words, every word part of a keyword or a filler (please, now, me, gracias...),
//    at least one keyword. Opt-out wins over everything in the same message ("stop yes" stops): a missed opt-out is
//    a legal risk, a missed opt-in only a lost sale. Between opt-in and help, help wins (nothing is sent).
// 3. Sentences: the message is also split into sentences (at . ! ? ; , : newlines and emoji). A sentence that is an
//    unambiguous opt-out keyword with fillers ("Who is this? STOP") or one of the opt-out phrases below, after an
//    opening such as "please", "can you", "I want to", "hola", is an opt-out. The ambiguous keywords (CANCEL, END,
//    QUIT, CANCELAR, ALTO, BAJA, FIN) count only as the whole message ("cancel" is, "I ordered twice, cancel" is not).
// The phrases are anchored at the start of a sentence: one led by STOP (unless the next word makes it another verb,
// "stop by", "stop in", "stop at"), or one that names the messaging ("quit sending…", "don't text me…", "remove
// me…", "no more messages"). That is what keeps "don't stop the sale" and "stop by the store" out: their STOP is not
// the sentence's opening, or it is another verb.

export type InboundIntent = "opt-out" | "opt-in" | "help";

interface Keyword {
	intent: InboundIntent;
	words: readonly string[];
	/** An opt-out keyword that means nothing else, even as one sentence of a longer message. */
	strong?: true;
}

const KEYWORDS: readonly Keyword[] = [
	// Twilio's default (Advanced Opt-Out) keywords, with REVOKE and OPTOUT added for the FCC's revocation rules.
	{ intent: "opt-out", words: ["stop"], strong: true },
	{ intent: "opt-out", words: ["stopall"], strong: true },
	{ intent: "opt-out", words: ["unsubscribe"], strong: true },
	{ intent: "opt-out", words: ["cancel"] },
	{ intent: "opt-out", words: ["end"] },
	{ intent: "opt-out", words: ["quit"] },
	{ intent: "opt-out", words: ["revoke"], strong: true },
	{ intent: "opt-out", words: ["optout"], strong: true },
	{ intent: "opt-out", words: ["opt", "out"], strong: true },
	// Spanish.
	{ intent: "opt-out", words: ["parar"], strong: true },
	{ intent: "opt-out", words: ["paren"], strong: true },
	{ intent: "opt-out", words: ["detener"], strong: true },
	{ intent: "opt-out", words: ["basta"], strong: true },
	{ intent: "opt-out", words: ["desuscribir"], strong: true },
	{ intent: "opt-out", words: ["desuscribirme"], strong: true },
	{ intent: "opt-out", words: ["cancelar"] },
	{ intent: "opt-out", words: ["alto"] },
	{ intent: "opt-out", words: ["baja"] },
	{ intent: "opt-out", words: ["fin"] },
	{ intent: "opt-in", words: ["start"] },
	{ intent: "opt-in", words: ["unstop"] },
	{ intent: "opt-in", words: ["yes"] },
	{ intent: "help", words: ["help"] },
	{ intent: "help", words: ["info"] },
	{ intent: "help", words: ["ayuda"] },
];

const FILLERS = new Set([
	"please",
	"pls",
	"plz",
	"now",
	"all",
	"me",
	"it",
	"thanks",
	"thank",
	"you",
	"thx",
	"ty",
	"por",
	"favor",
	"porfa",
	"porfavor",
	"ya",
	"gracias",
	"ahora",
	"todo",
]);
const MAX_KEYWORD_WORDS = 4;
// Two SMS segments and then some: the phrases are read sentence by sentence, so a longer reply is still read.
const MAX_LENGTH = 480;

// Openings a sentence may have before the phrase itself ("please stop…", "can you stop…", "I want to unsubscribe").
const OPENINGS: readonly (readonly string[])[] = [
	["hi"],
	["hey"],
	["hello"],
	["ok"],
	["okay"],
	["please"],
	["pls"],
	["plz"],
	["kindly"],
	["just"],
	["but"],
	["and"],
	["so"],
	["pero"],
	["can", "you"],
	["can", "u"],
	["could", "you"],
	["would", "you"],
	["will", "you"],
	["i", "want", "to"],
	["i", "would", "like", "to"],
	["id", "like", "to"],
	["i", "wish", "to"],
	["i", "need", "to"],
	["i", "wanna"],
	["hola"],
	["por", "favor"],
	["porfa"],
	["porfavor"],
	["favor", "de"],
	["quiero"],
	["ya"],
];

const STOP_VERBS = new Set(["stop", "quit", "cease"]);
// What is being stopped, in "stop texting…", "quit sending…".
const MESSAGING_VERBS = new Set([
	"texting",
	"txting",
	"sending",
	"messaging",
	"msging",
	"contacting",
	"spamming",
	"calling",
	"bugging",
	"bothering",
	"harassing",
	"emailing",
	"smsing",
	"receiving",
]);
// Nouns that name the messages themselves.
const MESSAGING_NOUNS = new Set([
	"messages",
	"message",
	"msgs",
	"msg",
	"texts",
	"text",
	"txts",
	"sms",
	"smss",
	"notifications",
	"alerts",
	"marketing",
	"promos",
	"promo",
	"promotions",
	"offers",
	"ads",
	"spam",
	"mensajes",
	"mensaje",
	"textos",
	"promociones",
	"ofertas",
	"publicidad",
	"notificaciones",
]);
// What may follow a bare "stop" and keep it an opt-out: "stop the texts", "stop all of this", "stop it now".
const STOP_OBJECTS = new Set([
	...MESSAGING_NOUNS,
	...FILLERS,
	"stop",
	"sales",
	"deals",
	"the",
	"these",
	"those",
	"this",
	"that",
	"your",
	"ur",
	"any",
	"more",
	"of",
	"them",
	"us",
	"already",
	"immediately",
	"asap",
	"right",
	"away",
	"again",
	"ever",
	"forever",
	"texting",
	"messaging",
]);
// A sentence led by STOP is an opt-out ("STOP this is harassment", "stop wasting my time") unless the next word makes
// it another verb: "stop by the store", "stop in today", "stop at the mall", "stop and shop".
const STOP_OTHER_SENSES = new Set([
	"by",
	"in",
	"into",
	"at",
	"over",
	"round",
	"around",
	"and",
	"to",
	"for",
	"being",
	"worrying",
	"here",
	"there",
	"on",
	"off",
	"past",
]);
// "don't text me", "do not contact me", "never message me again".
const NEGATIONS: readonly (readonly string[])[] = [["dont"], ["do", "not"], ["never"], ["pls", "dont"]];
const CONTACT_VERBS = new Set(["text", "txt", "message", "msg", "contact", "sms", "email", "call", "spam"]);
const WANT_NOT: readonly (readonly string[])[] = [
	["i", "dont", "want"],
	["dont", "want"],
	["i", "do", "not", "want"],
	["i", "no", "longer", "want"],
	["no", "longer", "want"],
];
const REMOVE_VERBS = new Set(["remove", "delete", "erase", "drop"]);
const MY_DETAILS = new Set(["number", "phone", "info", "information", "name", "contact", "details", "data"]);
// Spanish: "no me envíes…", "no me manden…".
const NO_ME_VERBS = new Set([
	"envies",
	"envie",
	"envien",
	"mandes",
	"mande",
	"manden",
	"escribas",
	"escriba",
	"escriban",
	"contactes",
	"contacte",
	"contacten",
	"molestes",
	"moleste",
	"molesten",
	"textees",
	"llames",
	"llamen",
]);
const DAR_DE_BAJA = new Set(["dar", "darme", "dame", "denme", "deme", "darse", "darnos"]);
const DEJAR_DE = new Set(["deja", "dejen", "deje", "dejar"]);
const DEJAR_VERBS = ["enviar", "mandar", "escribir", "contactar", "molestar", "textear", "llamar"];
const SPANISH_REMOVE = new Set([
	"borrame",
	"eliminame",
	"quitame",
	"sacame",
	"borrenme",
	"eliminenme",
	"quitenme",
	"saquenme",
]);

/** The keyword intent of an inbound SMS body, or null when it is ordinary text. */
export function classifyInbound(body: string): InboundIntent | null {
	const trimmed = body.trim();
	if (trimmed.length === 0 || trimmed.length > MAX_LENGTH) return null;
	const normal = normalise(trimmed);
	const words = wordsOf(normal);
	if (words.length === 0) return null;

	const whole = keywordsOf(words);
	if (whole?.has("opt-out")) return "opt-out";
	for (const sentence of normal.split(/[.!?;,:\n\r\u00a1\u00bf\u2026\p{Extended_Pictographic}]+/u)) {
		if (isOptOutSentence(wordsOf(sentence))) return "opt-out";
	}
	if (whole?.has("help")) return "help";
	if (whole?.has("opt-in")) return "opt-in";
	return null;
}

function normalise(text: string): string {
	return text
		.normalize("NFKD")
		.replace(/\p{M}+/gu, "")
		.toLowerCase()
		.replace(/['\u2018\u2019`\u00b4]/g, "");
}

function wordsOf(text: string): string[] {
	return text.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
}

/** The intents of a message made of keywords and fillers only (at most 4 words); null for anything else. */
function keywordsOf(words: string[], strongOnly = false): Set<InboundIntent> | null {
	if (words.length > MAX_KEYWORD_WORDS) return null;
	const found = new Set<InboundIntent>();
	let i = 0;
	while (i < words.length) {
		const match = KEYWORDS.find(({ words: phrase }) => startsWith(words, i, phrase));
		if (match !== undefined) {
			if (!strongOnly || match.strong) found.add(match.intent);
			i += match.words.length;
		} else if (FILLERS.has(words[i] ?? "")) {
			i += 1;
		} else {
			return null;
		}
	}
	return found.size > 0 ? found : null;
}

function startsWith(words: readonly string[], at: number, phrase: readonly string[]): boolean {
	return phrase.every((word, k) => words[at + k] === word);
}

/** The words of a sentence after its openings ("please", "can you", "I want to"...). */
function withoutOpenings(words: string[]): string[] {
	let i = 0;
	for (;;) {
		const opening = OPENINGS.find((phrase) => startsWith(words, i, phrase));
		if (!opening) return words.slice(i);
		i += opening.length;
	}
}

function isOptOutSentence(sentence: string[]): boolean {
	if (sentence.length === 0) return false;
	if (keywordsOf(sentence, true)?.has("opt-out")) return true;
	const w = withoutOpenings(sentence);
	const [first = "", second = "", third = ""] = w;
	const rest = (from: number) => w.slice(from);
	const namesMessaging = (words: string[]) => words.some((word) => MESSAGING_NOUNS.has(word));

	// English.
	if (["unsubscribe", "unsub", "optout", "stopall", "revoke"].includes(first)) return true;
	if (first === "opt" && (second === "out" || (second === "me" && third === "out"))) return true;
	if (STOP_VERBS.has(first) && MESSAGING_VERBS.has(second)) return true;
	if (first === "stop" && !STOP_OTHER_SENSES.has(second)) return true;
	if (REMOVE_VERBS.has(first) && (second === "me" || second === "us" || isMyDetails(second, third))) return true;
	if (first === "take" && (second === "me" || isMyDetails(second, third)) && w.includes("off")) return true;
	for (const negation of NEGATIONS) {
		if (!startsWith(w, 0, negation)) continue;
		const after = rest(negation.length);
		const [verb = "", object = ""] = after;
		if (CONTACT_VERBS.has(verb) && (object === "" || object === "me" || object === "us" || object === "this")) {
			return true;
		}
		// "don't send me messages", not "don't send me the wrong size".
		if (verb === "send" && (object === "me" || object === "us" || object === "")) {
			const tail = after.slice(2);
			return tail.length === 0 || namesMessaging(tail) || tail.every((word) => STOP_OBJECTS.has(word));
		}
	}
	for (const phrase of WANT_NOT) if (startsWith(w, 0, phrase) && namesMessaging(rest(phrase.length))) return true;
	if (first === "no" && second === "more" && (w.length === 2 || namesMessaging(rest(2)))) return true;
	if (first === "leave" && second === "me" && third === "alone") return true;
	if (first === "wrong" && second === "number") return true;

	// Spanish (accents already dropped).
	if (first === "no" && second === "me" && NO_ME_VERBS.has(third)) return true;
	if (first === "no" && second === "quiero" && namesMessaging(rest(2))) return true;
	if (first === "no" && second === "mas" && (w.length === 2 || namesMessaging(rest(2)))) return true;
	if (first === "no" && second === "deseo" && namesMessaging(rest(2))) return true;
	if (w.some((word, i) => word === "baja" && w[i - 1] === "de" && DAR_DE_BAJA.has(w[i - 2] ?? ""))) return true;
	if (DEJAR_DE.has(first) && second === "de" && DEJAR_VERBS.some((verb) => third.startsWith(verb))) return true;
	if (first === "paren" && second === "de") return true;
	if (SPANISH_REMOVE.has(first)) return true;
	return false;
}

function isMyDetails(my: string, what: string): boolean {
	return (my === "my" || my === "this") && MY_DETAILS.has(what);
}
