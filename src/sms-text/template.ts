// Message templates: "Hi {firstName|there}, 20% off today: {link} Reply STOP to opt out".
//
// {name} inserts a recipient value, {name|fallback} uses the fallback when the value is missing or blank, {{ and }}
// are literal braces. Names: link, firstName, lastName, externalId, phone, fields.<key>.
//
// A placeholder with neither value nor fallback renders as nothing, and the spaces it leaves are tidied by one
// rule: spaces just before it are dropped when what follows starts with punctuation ("Hi {firstName}, 20%" →
// "Hi, 20%"), one space is dropped when it sits between two spaces ("Hi {firstName} welcome" → "Hi welcome"), and
// trailing spaces go when it ends the message. Nothing else in the text is touched.

export const PLACEHOLDER_NAMES = ["link", "firstName", "lastName", "externalId", "phone"] as const;

/** A built-in name, or "fields.<key>" for a custom recipient field. */
export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number] | `fields.${string}`;

export type TemplatePart = { text: string } | { name: PlaceholderName; fallback: string | null };

export type Template = {
	readonly parts: readonly TemplatePart[];
	/** Each placeholder name the template uses, once, in order of first use: what recipients must be checked for. */
	readonly placeholders: readonly PlaceholderName[];
};

export type ParseResult = { ok: true; template: Template } | { ok: false; message: string };

/** SMS providers' limit for a message body (Twilio error 21617); a template longer than that can only render longer. */
export const MAX_BODY_CHARACTERS = 1600;

const FIELD_NAME = /^fields\.[A-Za-z0-9_]{1,64}$/;
const BUILT_IN = new Set<string>(PLACEHOLDER_NAMES);
const PUNCTUATION = /^[,.;:!?)\]]/;

/** Parses and checks a template; the message says what to fix, in the marketer's terms. */
export function parseTemplate(template: string): ParseResult {
	if (template.length > MAX_BODY_CHARACTERS) {
		return { ok: false, message: `the message is longer than ${MAX_BODY_CHARACTERS} characters` };
	}
	const parts: TemplatePart[] = [];
	let text = "";
	let i = 0;
	while (i < template.length) {
		const char = template[i];
		const next = template[i + 1];
		if (char === "{" && next === "{") {
			text += "{";
			i += 2;
		} else if (char === "}" && next === "}") {
			text += "}";
			i += 2;
		} else if (char === "}") {
			return { ok: false, message: `unbalanced "}" at character ${i + 1}: write "}}" for a literal brace` };
		} else if (char === "{") {
			const close = template.indexOf("}", i + 1);
			const open = template.indexOf("{", i + 1);
			if (close === -1 || (open !== -1 && open < close)) {
				return { ok: false, message: `unbalanced "{" at character ${i + 1}: write "{{" for a literal brace` };
			}
			const placeholder = readPlaceholder(template.slice(i + 1, close));
			if (!placeholder.ok) return placeholder;
			if (text) parts.push({ text });
			text = "";
			parts.push(placeholder.part);
			i = close + 1;
		} else {
			text += char;
			i += 1;
		}
	}
	if (text) parts.push({ text });

	const placeholders: PlaceholderName[] = [];
	for (const part of parts) {
		if ("name" in part && !placeholders.includes(part.name)) placeholders.push(part.name);
	}
	if (!placeholders.includes("link")) return { ok: false, message: "the message must contain {link}" };
	return { ok: true, template: { parts, placeholders } };
}

function readPlaceholder(inner: string): { ok: true; part: TemplatePart } | { ok: false; message: string } {
	const bar = inner.indexOf("|");
	const name = (bar === -1 ? inner : inner.slice(0, bar)).trim();
	const fallback = bar === -1 ? null : inner.slice(bar + 1);
	if (!BUILT_IN.has(name) && !FIELD_NAME.test(name)) {
		return {
			ok: false,
			message:
				`unknown placeholder {${name}}: use ${PLACEHOLDER_NAMES.map((n) => `{${n}}`).join(", ")} ` +
				"or {fields.<key>} (letters, digits, _)",
		};
	}
	// The link is the point of the message: a fallback for it would send a tracked campaign without tracking.
	if (name === "link" && fallback !== null) return { ok: false, message: "{link} cannot have a fallback" };
	return { ok: true, part: { name: name as PlaceholderName, fallback } };
}

/**
 * The text for one recipient. A value that is missing, null or blank falls back to the placeholder's fallback,
 * else to nothing (see the module comment for the spacing rule). Values are inserted as they are, never parsed as
 * template text. Throws when `link` is missing: a tracked SMS without its link is a bug upstream, never a send.
 */
export function renderTemplate(template: Template, values: Record<string, string | null | undefined>): string {
	let out = "";
	let afterEmpty = false;
	for (const part of template.parts) {
		if ("text" in part) {
			out = afterEmpty ? joinAfterEmpty(out, part.text) : out + part.text;
			afterEmpty = false;
			continue;
		}
		const value = values[part.name];
		const present = value !== null && value !== undefined && value.trim() !== "";
		if (part.name === "link" && !present) throw new Error("renderTemplate: no value for {link}");
		const rendered = present ? value : (part.fallback ?? "");
		if (rendered === "") {
			afterEmpty = true;
			continue;
		}
		out += rendered;
		afterEmpty = false;
	}
	return afterEmpty ? out.replace(/ +$/, "") : out;
}

function joinAfterEmpty(before: string, text: string): string {
	if (PUNCTUATION.test(text)) return before.replace(/ +$/, "") + text;
	if (before.endsWith(" ") && text.startsWith(" ")) return before + text.slice(1);
	return before + text;
}
