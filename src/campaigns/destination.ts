export interface Utm {
	source: string;
	medium: string;
	campaign: string;
	term?: string | null;
	content?: string | null;
}

export type DestinationProblem = "not-a-url" | "scheme-not-allowed" | "credentials-not-allowed" | "too-long";

export type DestinationCheck = { ok: true; url: string } | { ok: false; problem: DestinationProblem; message: string };

// Older browsers and some SMS gateways truncate or refuse longer URLs.
const MAX_DESTINATION_LENGTH = 2048;
// Normalisation can grow a URL (percent-encoding), so the limit is enforced on the result; this guard only spares
// the parser absurd inputs.
const MAX_INPUT_LENGTH = MAX_DESTINATION_LENGTH * 8;
const MAX_SLUG_LENGTH = 64;
const CLICK_ID_PARAM = "tlid";

export function slugify(name: string): string {
	const slug = name
		.normalize("NFKD")
		// Lowercasing can itself produce combining marks ("İ" -> "i̇"), so marks are stripped after it.
		.toLowerCase()
		.replace(/\p{M}/gu, "")
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-+|-+$/g, "")
		.slice(0, MAX_SLUG_LENGTH)
		.replace(/-+$/, "");
	return slug === "" ? "campaign" : slug;
}

export function defaultUtm(campaignName: string, overrides?: Partial<Utm>): Utm {
	return {
		source: given(overrides?.source) ?? "sms",
		medium: given(overrides?.medium) ?? "sms",
		campaign: given(overrides?.campaign) ?? slugify(campaignName),
		term: given(overrides?.term) ?? null,
		content: given(overrides?.content) ?? null,
	};
}

export function checkDestinationUrl(input: string): DestinationCheck {
	const text = input.trim();
	if (text.length > MAX_INPUT_LENGTH) return tooLong();
	let url: URL;
	try {
		// No base URL: relative and protocol-relative ("//host") inputs must fail rather than resolve against us.
		url = new URL(text);
	} catch {
		return {
			ok: false,
			problem: "not-a-url",
			message: "destinationUrl must be an absolute URL such as https://example.com/sale",
		};
	}
	// Checked on the parsed URL, not the text: the parser drops tabs and newlines, so "java\nscript:" is javascript:.
	if (url.protocol !== "https:" && url.protocol !== "http:") {
		return {
			ok: false,
			problem: "scheme-not-allowed",
			message: `destinationUrl must start with https:// or http://, not ${url.protocol}`,
		};
	}
	if (url.hostname === "") {
		return { ok: false, problem: "not-a-url", message: "destinationUrl has no host" };
	}
	// user:pass@ is a phishing staple ("https://bank.com@evil.example") and would leak secrets into every SMS.
	if (url.username !== "" || url.password !== "") {
		return {
			ok: false,
			problem: "credentials-not-allowed",
			message: "destinationUrl must not contain a user name or password",
		};
	}
	if (url.href.length > MAX_DESTINATION_LENGTH) return tooLong();
	return { ok: true, url: url.href };
}

/**
 * The URL a link redirects to, before the per-tap click id. Parameters already on the destination keep their
 * order and their exact encoding (URLSearchParams would re-encode them, turning "?flag" into "?flag=" and "%20"
 * into "+", which breaks signed or picky URLs); only the ones the campaign sets are replaced, and ours go last.
 * Expects a URL checkDestinationUrl accepted; anything the URL parser refuses throws.
 */
export function buildLinkDestination(destinationUrl: string, utm: Utm, variant: string | null): string {
	const params: [string, string][] = [
		["utm_source", utm.source],
		["utm_medium", utm.medium],
		["utm_campaign", utm.campaign],
	];
	if (utm.term) params.push(["utm_term", utm.term]);
	const content = variant || utm.content;
	if (content) params.push(["utm_content", content]);

	const { head, query, fragment } = splitHref(new URL(destinationUrl).href);
	const kept = query === null ? "" : withoutParams(query, new Set(params.map(([name]) => name)));
	const added = params.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join("&");
	return `${head}?${joinQuery(kept, added)}${fragment}`;
}

/**
 * Runs on every tap, so it splits the already-normalised href by hand instead of paying for a URL parse and a
 * re-serialisation. Equivalent to searchParams.delete("tlid") + append("tlid", id) on everything URLSearchParams
 * can observe.
 */
export function withClickId(linkDestination: string, clickId: string): string {
	const param = `${CLICK_ID_PARAM}=${encodeQueryValue(clickId)}`;
	const { head, query, fragment } = splitHref(linkDestination);
	if (query === null) return `${head}?${param}${fragment}`;
	return `${head}?${joinQuery(withoutParams(query, CLICK_ID_NAMES), param)}${fragment}`;
}

const CLICK_ID_NAMES: ReadonlySet<string> = new Set([CLICK_ID_PARAM]);

/**
 * withClickId done once per cached link: the redirect for a click id is `${before}${clickId}${after}`, one
 * concatenation per tap. Only for click ids that need no encoding (letters and digits, as newClickId makes them).
 */
export function clickIdSlots(linkDestination: string): { before: string; after: string } {
	const { head, query, fragment } = splitHref(linkDestination);
	const kept = query === null ? "" : withoutParams(query, CLICK_ID_NAMES);
	return { before: `${head}?${joinQuery(kept, `${CLICK_ID_PARAM}=`)}`, after: fragment };
}

function given(value: string | null | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

function tooLong(): DestinationCheck {
	return {
		ok: false,
		problem: "too-long",
		message: `destinationUrl must be at most ${MAX_DESTINATION_LENGTH} characters once normalised`,
	};
}

/**
 * Only sound on a serialised http(s) href: there "?" and "#" cannot appear in the host or path, and "#" cannot
 * appear in the query, so the first "#" starts the fragment and the first "?" before it starts the query.
 */
function splitHref(href: string): { head: string; query: string | null; fragment: string } {
	const hashAt = href.indexOf("#");
	const beforeHash = hashAt === -1 ? href : href.slice(0, hashAt);
	const fragment = hashAt === -1 ? "" : href.slice(hashAt);
	const queryAt = beforeHash.indexOf("?");
	if (queryAt === -1) return { head: beforeHash, query: null, fragment };
	return { head: beforeHash.slice(0, queryAt), query: beforeHash.slice(queryAt + 1), fragment };
}

function withoutParams(query: string, names: ReadonlySet<string>): string {
	const segments = query.split("&");
	const kept = segments.filter((segment) => !names.has(paramName(segment)));
	return kept.length === segments.length ? query : kept.join("&");
}

/** The name as URLSearchParams decodes it, so "utm%5Fsource" and "tl%69d" count as the real thing. */
function paramName(segment: string): string {
	const equalsAt = segment.indexOf("=");
	const raw = equalsAt === -1 ? segment : segment.slice(0, equalsAt);
	if (!raw.includes("%") && !raw.includes("+")) return raw;
	try {
		return decodeURIComponent(raw.replaceAll("+", " "));
	} catch {
		// Malformed escapes survive URLSearchParams' lenient decoding as a literal "%", so no name we set can match.
		return raw;
	}
}

// A trailing "&" is dropped (URLSearchParams ignores empty segments) so that setting tlid twice gives the same string.
function joinQuery(kept: string, added: string): string {
	const head = kept.replace(/&+$/, "");
	return head === "" ? added : `${head}&${added}`;
}

/**
 * encodeURIComponent throws on lone surrogates (JSON input can carry them); the URL API turns them into U+FFFD, so
 * we do the same. "'" is escaped too because the URL parser escapes it in http(s) queries, and we want the cached
 * string to be the same one a parse would give back.
 */
function encodeQueryValue(value: string): string {
	if (/^[\w.~-]*$/.test(value)) return value;
	const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
	return encodeURIComponent(wellFormed).replaceAll("'", "%27");
}
