// Default import: ua-parser-js v1 is a UMD/CommonJS module, and the Workers runtime's CommonJS interop (as used by
// the vitest pool) exposes only `default`, so `import { UAParser }` comes back undefined there.
import UAParser from "ua-parser-js";

export type DeviceType = "mobile" | "tablet" | "desktop" | "tv" | "console" | "wearable" | "other";

export interface UserAgentSummary {
	deviceType: DeviceType;
	os: string | null;
	browser: string | null;
}

const DEVICE_TYPES: Readonly<Record<string, DeviceType>> = {
	mobile: "mobile",
	tablet: "tablet",
	smarttv: "tv",
	console: "console",
	wearable: "wearable",
};

// ua-parser-js leaves device.type empty for computers, so a known desktop OS with no device type is a desktop.
// "macOS" and "Chrome OS" are the names ua-parser-js v2 uses; listed so an upgrade does not turn Macs into "other".
const DESKTOP_OSES: ReadonlySet<string> = new Set([
	"Windows",
	"Mac OS",
	"macOS",
	"Linux",
	"Chromium OS",
	"Chrome OS",
	"Ubuntu",
	"Kubuntu",
	"Xubuntu",
	"Lubuntu",
	"Debian",
	"Fedora",
	"Mint",
	"Arch",
	"Manjaro",
	"CentOS",
	"RedHat",
	"Red Hat",
	"SUSE",
	"openSUSE",
	"Gentoo",
	"Slackware",
	"Mandriva",
	"Mageia",
	"PCLinuxOS",
	"Deepin",
	"elementary OS",
	"FreeBSD",
	"OpenBSD",
	"NetBSD",
	"DragonFly",
	"Solaris",
	"Haiku",
]);

// The same few UAs make most taps, and parsing is the costliest step in recording one. ua-parser-js only
// reads the first 500 characters, and longer strings are not worth a cache slot, which also bounds memory.
const MEMO_LIMIT = 500;
const MEMO_MAX_UA_LENGTH = 500;
const memo = new Map<string, UserAgentSummary>();

const UNKNOWN: UserAgentSummary = Object.freeze({ deviceType: "other", os: null, browser: null });

const parser = new UAParser();

function parseUserAgent(ua: string): UserAgentSummary {
	const { device, os, browser } = parser.setUA(ua).getResult();
	const osName = os.name || null;
	const deviceType = device.type
		? (DEVICE_TYPES[device.type] ?? "other")
		: osName !== null && DESKTOP_OSES.has(osName)
			? "desktop"
			: "other";
	return Object.freeze({ deviceType, os: osName, browser: browser.name || null });
}

/** Summaries are shared through the memo and frozen; copy one before changing it. */
export function describeUserAgent(ua: string | null): UserAgentSummary {
	if (ua === null || ua.trim() === "") return UNKNOWN;
	if (ua.length > MEMO_MAX_UA_LENGTH) return parseUserAgent(ua);

	const cached = memo.get(ua);
	if (cached !== undefined) {
		// Re-insert so the Map's insertion order tracks recency and the eviction below drops the least recent.
		memo.delete(ua);
		memo.set(ua, cached);
		return cached;
	}

	const summary = parseUserAgent(ua);
	if (memo.size >= MEMO_LIMIT) {
		const oldest = memo.keys().next();
		if (!oldest.done) memo.delete(oldest.value);
	}
	memo.set(ua, summary);
	return summary;
}
