// What an inbound SMS asks for: to stop (opt-out), to start again (opt-in), or help.
//
// The rule, chosen so that a customer's sentence is never read as a keyword:
// 1. Normalise: Unicode NFKC (full-width letters), lower case, then split into words on anything that is not a
//    letter or digit, so "STOP.", " stop! ", "opt-out" and "Opt out" give the same words.
// 2. The message is at most 4 words, and every word is either part of a keyword or a filler word (please, now,
//    all, me, it, thanks, thank, you, pls, plz, thx, ty). At least one keyword.
// 3. Opt-out wins over everything else in the same message ("stop yes" stops): a missed opt-out is a legal risk,
//    a missed opt-in only a lost sale. Between opt-in and help, help wins: the sender answers and sends nothing.
// 4. Except: a message that starts with an unambiguous opt-out word (stop, stopall, unsubscribe, optout, opt out)
//    is an opt-out whatever follows ("stop texting me", "unsubscribe me from this list"): people who want out do not
//    always use one word, and missing them is the legal risk. END, CANCEL and QUIT are not unambiguous ("cancel my
//    order", "end of the sale?"), so they count only alone or with fillers.
// So "Stop", "STOP PLEASE", "please stop", "unsubscribe me", "stop all", "opt-out", "Yes!", "unstop please" and
// "help" are keywords; "I can't stop using this", "Don't stop the sales" and "when does the sale end?" are not:
// their other words (can, don, the, sales, when...) are neither keywords nor fillers.

export type InboundIntent = "opt-out" | "opt-in" | "help";

const KEYWORDS: ReadonlyArray<readonly [intent: InboundIntent, words: readonly string[]]> = [
	// Twilio's default opt-out keywords, with REVOKE and OPTOUT added for the FCC's 2025 revocation rules.
	["opt-out", ["stop"]],
	["opt-out", ["stopall"]],
	["opt-out", ["unsubscribe"]],
	["opt-out", ["cancel"]],
	["opt-out", ["end"]],
	["opt-out", ["quit"]],
	["opt-out", ["revoke"]],
	["opt-out", ["optout"]],
	["opt-out", ["opt", "out"]],
	["opt-in", ["start"]],
	["opt-in", ["unstop"]],
	["opt-in", ["yes"]],
	["help", ["help"]],
	["help", ["info"]],
];

const FILLERS = new Set(["please", "pls", "plz", "now", "all", "me", "it", "thanks", "thank", "you", "thx", "ty"]);
const MAX_WORDS = 4;
// Longer than any accepted message with generous padding: skips the work for ordinary conversation.
const MAX_LENGTH = 160;
const LEADING_OPT_OUT = new Set(["stop", "stopall", "unsubscribe", "optout"]);

/** The keyword intent of an inbound SMS body, or null when it is ordinary text. */
export function classifyInbound(body: string): InboundIntent | null {
	const trimmed = body.trim();
	if (trimmed.length === 0 || trimmed.length > MAX_LENGTH) return null;
	const words = trimmed
		.normalize("NFKC")
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter((word) => word.length > 0);
	if (words.length === 0) return null;
	if (LEADING_OPT_OUT.has(words[0] ?? "") || (words[0] === "opt" && words[1] === "out")) return "opt-out";
	if (words.length > MAX_WORDS) return null;

	const found = new Set<InboundIntent>();
	let i = 0;
	while (i < words.length) {
		const match = KEYWORDS.find(([, phrase]) => phrase.every((word, k) => words[i + k] === word));
		if (match !== undefined) {
			found.add(match[0]);
			i += match[1].length;
		} else if (FILLERS.has(words[i] ?? "")) {
			i += 1;
		} else {
			return null;
		}
	}
	if (found.has("opt-out")) return "opt-out";
	if (found.has("help")) return "help";
	if (found.has("opt-in")) return "opt-in";
	return null;
}
