// Quiet hours for marketing SMS: when, in the recipient's local time, a message may go out.
//
// Where the recipient is:
// 1. the contact's own time zone, when set and valid, wins over anything derived from the phone number;
// 2. else a US or Canadian number's area code gives its state or province and every zone of it;
// 3. else the number's country (libphonenumber) and every zone the runtime's CLDR data lists for it;
// 4. else (non-geographic numbers such as +800, +881, +882) nobody knows: the strictest window of the whole table,
//    applied in UTC. That is a guess, but a narrow one; setting the contact's time zone replaces it.
// With several zones, the window must hold in all of them at once (the intersection): we cannot tell which of a
// state's or a country's zones the recipient is in.
//
// Hours: the default window, narrowed by the rule of the phone's state (the state's law follows the number even
// when the contact's time zone is elsewhere). A US or Canadian number whose state is unknown (toll-free, 5XX)
// gets the strictest row of its country, since it may belong to any state.
//
// Zones per country come from Intl.Locale#getTimeZones (CLDR, shipped with workerd's V8) instead of an npm table:
// no bundle cost, and it moves with the runtime's time-zone data. countries-and-timezones (MIT, ~10 kB gzipped)
// was the alternative; its zone1970-based lists add foreign zones (Asia/Tokyo for AU, America/Panama for CA).
// CLDR keeps some old IANA names (Asia/Calcutta, Asia/Katmandu): Intl treats them as the same zones.
import { getCountries, getCountryCallingCode, parsePhoneNumber } from "libphonenumber-js/max";
import { MINUTE_MS } from "../time";
import { lookupAreaCode } from "./nanp-area-codes";
import { DEFAULT_WINDOW, type QuietHoursWindow, REGION_RULES } from "./quiet-hours-rules";

export type LocalWindow = {
	/** The IANA zones the window must hold in, all at once. */
	zones: string[];
	/** Minutes after local midnight; the window is [startMinute, endMinute). */
	startMinute: number;
	endMinute: number;
	/** "US-FL", "CA-ON", "GB", or null when the number says nothing about where its owner is. */
	region: string | null;
};

export type QuietHoursContact = { phone: string; timezone: string | null };

const DAY_MINUTES = 1440;
// Offsets only change at whole hours, half hours or quarter hours of UTC (every zone's offset and transition
// time are multiples of 15 minutes), so one lookup per zone and quarter hour is exact.
const OFFSET_BUCKET = 15 * MINUTE_MS;
// Windows that never meet across a zone set are caught well within a week of searching.
const SEARCH_LIMIT = 8 * DAY_MINUTES * MINUTE_MS;

const RULES = new Map(REGION_RULES.map((rule) => [rule.region, rule]));
const STRICTEST: QuietHoursWindow = REGION_RULES.reduce(narrow, DEFAULT_WINDOW);

/**
 * The zones and hours quiet hours apply to for this contact. Memoised: lists of 10,000 recipients share a handful
 * of area codes and countries.
 */
export function localWindow(contact: QuietHoursContact): LocalWindow {
	const window = cachedWindow(contact);
	return { ...window, zones: [...window.zones] };
}

/**
 * `now` when a marketing SMS may go out at `now` to this contact; else the first minute after it when it may, in
 * every zone of the contact's window. Correct across DST changes: a day of 23 or 25 hours, a skipped or repeated
 * hour.
 */
export function sendableAt(now: number, contact: QuietHoursContact): number {
	const window = cachedWindow(contact);
	const found = nextInside(now, window);
	if (found !== null) return found;
	// The zones' windows never overlap (only a zone set spread over 13 hours or more could do that); rather than
	// never sending, fall back to the unknown-place rule.
	return nextInside(now, { zones: ["UTC"], ...STRICTEST, region: null }) ?? now;
}

function cachedWindow(contact: QuietHoursContact): LocalWindow {
	const timezone = contact.timezone !== null && isValidZone(contact.timezone) ? contact.timezone : null;
	const place = placeOf(contact.phone);
	const key = `${timezone ?? ""}|${place.key}`;
	let window = windows.get(key);
	if (window === undefined) {
		window = resolveWindow(timezone, place);
		if (windows.size > 10_000) windows.clear();
		windows.set(key, window);
	}
	return window;
}

const windows = new Map<string, LocalWindow>();

type Place = { key: string; region: string | null; zones: readonly string[] | null; country: string | null };

function resolveWindow(timezone: string | null, place: Place): LocalWindow {
	const hours = hoursFor(place);
	if (timezone !== null) return { zones: [timezone], ...hours, region: place.region };
	if (place.zones !== null && place.zones.length > 0)
		return { zones: [...place.zones], ...hours, region: place.region };
	return { zones: ["UTC"], ...STRICTEST, region: place.region };
}

function hoursFor(place: Place): QuietHoursWindow {
	if (place.region === null) return DEFAULT_WINDOW;
	const rule = RULES.get(place.region);
	if (rule !== undefined) return narrow(DEFAULT_WINDOW, rule);
	// A country whose state we could not tell: any of its states' rules may apply.
	return REGION_RULES.filter((r) => r.region.startsWith(`${place.region}-`)).reduce(narrow, DEFAULT_WINDOW);
}

function narrow(a: QuietHoursWindow, b: QuietHoursWindow): QuietHoursWindow {
	return { startMinute: Math.max(a.startMinute, b.startMinute), endMinute: Math.min(a.endMinute, b.endMinute) };
}

// --- Where a number is ---

const places = new Map<string, Place>();
let callingCodes: Map<string, string[]> | undefined;

function placeOf(phone: string): Place {
	const digits = phone.startsWith("+") ? phone.slice(1) : phone;
	if (!/^\d{4,15}$/.test(digits)) return { key: "?", region: null, zones: null, country: null };
	if (digits.startsWith("1") && digits.length >= 4) {
		// In the NANP every area code belongs to one country, so the area code is the whole key.
		const key = `+${digits.slice(0, 4)}`;
		return remember(key, () => {
			const info = lookupAreaCode(digits.slice(1, 4));
			if (info !== undefined) return { key, region: info.region, zones: info.zones, country: info.region.slice(0, 2) };
			return countryPlace(key, countryOfNumber(phone));
		});
	}
	const code = callingCodeOf(digits);
	if (code === undefined) return { key: "?", region: null, zones: null, country: null };
	const countries = callingCodes?.get(code) ?? [];
	// Calling codes shared by several countries (+44 with GG/JE/IM, +7 with KZ) need the full number parsed.
	if (countries.length === 1) return remember(`+${code}`, () => countryPlace(`+${code}`, countries[0] ?? null));
	const country = countryOfNumber(phone);
	return remember(`+${code}:${country ?? "?"}`, () => countryPlace(`+${code}:${country ?? "?"}`, country));
}

function remember(key: string, make: () => Place): Place {
	let place = places.get(key);
	if (place === undefined) {
		place = make();
		places.set(key, place);
	}
	return place;
}

function countryPlace(key: string, country: string | null): Place {
	if (country === null) return { key, region: null, zones: null, country: null };
	return { key, region: country, zones: zonesOfCountry(country), country };
}

function callingCodeOf(digits: string): string | undefined {
	if (callingCodes === undefined) {
		callingCodes = new Map();
		for (const country of getCountries()) {
			const code = getCountryCallingCode(country);
			const list = callingCodes.get(code) ?? [];
			list.push(country);
			callingCodes.set(code, list);
		}
	}
	// Calling codes are a prefix code (ITU E.164): at most one of the 1-, 2- and 3-digit prefixes is assigned.
	for (let length = 1; length <= 3; length++) {
		const code = digits.slice(0, length);
		if (callingCodes.has(code)) return code;
	}
	return undefined;
}

function countryOfNumber(phone: string): string | null {
	try {
		return parsePhoneNumber(phone.startsWith("+") ? phone : `+${phone}`).country ?? null;
	} catch {
		return null;
	}
}

type LocaleWithZones = Intl.Locale & { getTimeZones?: () => string[] | undefined };

function zonesOfCountry(country: string): string[] | null {
	try {
		const zones = (new Intl.Locale(`und-${country}`) as LocaleWithZones).getTimeZones?.();
		return zones !== undefined && zones.length > 0 ? zones : null;
	} catch {
		return null;
	}
}

// --- Local time ---

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
const zoneValidity = new Map<string, boolean>();

function isValidZone(zone: string): boolean {
	let valid = zoneValidity.get(zone);
	if (valid === undefined) {
		try {
			formatterFor(zone);
			valid = true;
		} catch {
			valid = false;
		}
		if (zoneValidity.size > 10_000) zoneValidity.clear();
		zoneValidity.set(zone, valid);
	}
	return valid;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(zone);
	if (formatter === undefined) {
		formatter = new Intl.DateTimeFormat("en-US", {
			timeZone: zone,
			hourCycle: "h23",
			year: "numeric",
			month: "numeric",
			day: "numeric",
			hour: "numeric",
			minute: "numeric",
		});
		formatters.set(zone, formatter);
	}
	return formatter;
}

/** The zone's offset from UTC at instant t, in ms. */
function offsetAt(zone: string, t: number): number {
	const bucket = Math.floor(t / OFFSET_BUCKET);
	let cache = offsets.get(zone);
	if (cache === undefined) {
		cache = new Map();
		offsets.set(zone, cache);
	}
	let offset = cache.get(bucket);
	if (offset === undefined) {
		const at = bucket * OFFSET_BUCKET;
		const parts: Record<string, number> = {};
		for (const part of formatterFor(zone).formatToParts(at)) {
			if (part.type !== "literal") parts[part.type] = Number(part.value);
		}
		const local = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
		offset = local - at;
		if (cache.size > 5000) cache.clear();
		cache.set(bucket, offset);
	}
	return offset;
}

function localMinute(zone: string, t: number): number {
	const local = Math.floor((t + offsetAt(zone, t)) / MINUTE_MS);
	return ((local % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
}

function inside(zone: string, t: number, window: QuietHoursWindow): boolean {
	const minute = localMinute(zone, t);
	return minute >= window.startMinute && minute < window.endMinute;
}

/**
 * The first instant ≥ t at minute precision when every zone is inside the window, or null within SEARCH_LIMIT.
 * Jumping to the latest of the zones' next openings is safe: before it, that zone is still closed.
 */
function nextInside(now: number, window: LocalWindow): number | null {
	if (window.zones.every((zone) => inside(zone, now, window))) return now;
	let t = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
	while (t - now <= SEARCH_LIMIT) {
		let latest = t;
		for (const zone of window.zones) latest = Math.max(latest, nextOpening(zone, t, window));
		if (latest === t) return t;
		t = latest;
	}
	return null;
}

/**
 * A minute after t (t on a minute, the zone closed at t) that is no later than the zone's next opening: exactly
 * the opening unless a DST change falls in between, then earlier, and the caller asks again from there.
 */
function nextOpening(zone: string, t: number, window: QuietHoursWindow): number {
	const minute = localMinute(zone, t);
	if (minute >= window.startMinute && minute < window.endMinute) return t;
	const wait = minute < window.startMinute ? window.startMinute - minute : DAY_MINUTES - minute + window.startMinute;
	const guess = t + wait * MINUTE_MS;
	// Wall-clock minutes equal real minutes unless the offset changes on the way. Stepping back by the change
	// never overshoots: forward, the opening comes that much sooner (or at the end of a skipped hour, later);
	// backward, it comes later and the next call lands on it.
	const change = Math.abs(offsetAt(zone, guess) - offsetAt(zone, t));
	return Math.max(guess - change, t + MINUTE_MS);
}
