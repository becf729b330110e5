import { isbot } from "isbot";

export const BOT_REASONS = ["head", "prefetch", "preview", "scanner", "headless", "crawler", "no-user-agent"] as const;
export type BotReason = (typeof BOT_REASONS)[number];
export type TapVerdict = { human: true; reason: null } | { human: false; reason: BotReason };

export interface TapRequest {
	method: string;
	userAgent: string | null;
	header(name: string): string | null;
}

// Browsers announce speculative loads in one of these headers; a person has not tapped yet.
// Values seen: `Sec-Purpose: prefetch` / `prefetch;prerender` (Chromium), `Purpose: prefetch` (older Chromium),
// `X-Purpose: preview` (Safari), `X-Moz: prefetch` (Firefox).
export const PREFETCH_HEADERS = ["sec-purpose", "purpose", "x-purpose", "x-moz"] as const;
export type PrefetchHeader = (typeof PREFETCH_HEADERS)[number];
export type PrefetchHints = Partial<Record<PrefetchHeader, string>>;
const PREFETCH_VALUE = /prefetch|prerender|preview/i;

/** The speculative-load headers of a request that say it is a prefetch, or null for an ordinary request. */
export function prefetchHints(header: (name: string) => string | null): PrefetchHints | null {
	let hints: PrefetchHints | null = null;
	for (const name of PREFETCH_HEADERS) {
		const value = header(name);
		if (value !== null && PREFETCH_VALUE.test(value)) {
			hints ??= {};
			hints[name] = value.slice(0, 256);
		}
	}
	return hints;
}

type UserAgentReason = Extract<BotReason, "preview" | "scanner" | "headless">;

// Regex sources, matched case-insensitively against the User-Agent. Checked in this order, so a headless
// browser that names a preview service counts as a preview. Most mail/security gateways fetch with an
// ordinary browser UA and cannot be told apart here; only the ones that name themselves are listed.
const USER_AGENT_RULES: ReadonlyArray<{ reason: UserAgentReason; patterns: readonly string[] }> = [
	{
		reason: "preview",
		patterns: [
			// Also covers iMessage, whose unfurler sends a Safari UA ending in "facebookexternalhit/1.1 Facebot
			// Twitterbot/1.0", and KakaoTalk ("facebookexternalhit/1.1; kakaotalk-scrap/1.0").
			"facebookexternalhit",
			"\\bfacebot\\b",
			// Signal's client-side unfurler sends "WhatsApp/2" so that sites serve it their WhatsApp card.
			"^whatsapp/",
			"slackbot",
			"slack-imgproxy",
			"telegrambot",
			"discordbot",
			"twitterbot",
			"linkedinbot",
			"skypeuripreview",
			"microsoftpreview",
			// Viber's in-app browser appends "Viber/<version>" to a Mozilla UA; only the fetcher starts with it.
			"viberurldownloader",
			"^viber\\b",
			"snap url preview service",
			"snapchat-proxy",
			// Snapchat's own HTTP client (not its in-app browser, which sends a Mozilla UA) fetching a link is the
			// chat unfurling it.
			"^snapchat/",
			"pinterestbot",
			"redditbot",
			"googlemessages",
			"kakaotalk-scrap",
			"embedly",
			"iframely",
			"bingpreview",
			"google-pagerenderer",
			"yahoo link preview",
			"vkshare",
			"\\(mastodon/",
		],
	},
	{
		reason: "scanner",
		patterns: [
			"proofpoint",
			"mimecast",
			"barracuda",
			"symantec",
			"zscaler",
			"forcepoint",
			"ironport",
			"cisco ?secure",
			"trend ?micro",
			"kaspersky lab cfr",
			"virustotal",
			"google-safety",
			"gmail-content-sampling",
			// Office and Outlook probe a link (OPTIONS/HEAD/GET) before handing it to the browser, which then
			// makes the real request with its own UA.
			"ms-?office",
			"microsoft office",
		],
	},
	{
		reason: "headless",
		patterns: ["headless", "phantomjs", "slimerjs", "puppeteer", "playwright", "selenium", "webdriver", "lighthouse"],
	},
];

// In-app browsers that isbot v5 flags although a person is reading. They only override the isbot step, so a
// preview/scanner/headless match above still wins.
const HUMAN_ALLOW_PATTERNS: readonly string[] = [
	// Instagram appends the screen size, and isbot's "24x7" pattern (a monitoring service) matches sizes such
	// as "1024x720".
	"\\binstagram \\d",
	// The Facebook app's bare UA ("[FBAN/FB4A;FBAV/…;…]") has no spaces, which isbot's `^[^ ]{50,}$` takes for a
	// token-like bot name. isbot's own browser fixtures list this string as a browser.
	"^\\[fban/",
	// WeChat on Android names its web process ("Process/toolsmp"), which trips isbot's "tools" pattern. WeChat
	// devtools and Tencent CDN fetchers reuse the UA with a marker; leave those to isbot.
	"micromessenger/(?!.*(?:wechatdevtools|qcloudcdn))",
];

const compile = (patterns: readonly string[]): RegExp => new RegExp(patterns.join("|"), "i");

const COMPILED_RULES = USER_AGENT_RULES.map(({ reason, patterns }) => ({ reason, pattern: compile(patterns) }));
const HUMAN_ALLOW = compile(HUMAN_ALLOW_PATTERNS);

const human = (): TapVerdict => ({ human: true, reason: null });
const bot = (reason: BotReason): TapVerdict => ({ human: false, reason });

export function classifyTap(tap: TapRequest): TapVerdict {
	if (tap.method.toUpperCase() === "HEAD") return bot("head");

	if (prefetchHints(tap.header)) return bot("prefetch");

	return classifyUserAgent(tap.userAgent);
}

/** What the user agent alone says: the verdict of `classifyTap` for a GET that is not a prefetch. */
export function classifyUserAgent(raw: string | null): TapVerdict {
	const userAgent = raw?.trim() ?? "";
	if (userAgent === "") return bot("no-user-agent");

	for (const { reason, pattern } of COMPILED_RULES) {
		if (pattern.test(userAgent)) return bot(reason);
	}

	if (HUMAN_ALLOW.test(userAgent)) return human();
	return isbot(userAgent) ? bot("crawler") : human();
}
