import fc from "fast-check";
import examples from "libphonenumber-js/examples.mobile.json";
import { type CountryCode, getCountries, getExampleNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { localWindow, type QuietHoursContact, sendableAt } from "../../src/messages/quiet-hours";

const at = (iso: string) => Date.parse(iso);
const contact = (phone: string, timezone: string | null = null): QuietHoursContact => ({ phone, timezone });

const NY = "+12125550123";
const NJ = "+12015550123";
const LA = "+13105550123";
const HONOLULU = "+18085550123";
const MIAMI = "+13055550123";
const LONDON = "+442079460958";
const SYDNEY = "+61412345678";
const KOLKATA = "+918123456789";
const KATHMANDU = "+9779841234567";

// An independent reading of local time, one formatter per call: slow, for checking only.
function localMinuteOf(zone: string, t: number): number {
	const parts = new Intl.DateTimeFormat("en-GB", {
		timeZone: zone,
		hourCycle: "h23",
		hour: "2-digit",
		minute: "2-digit",
	})
		.formatToParts(t)
		.filter((p) => p.type !== "literal")
		.map((p) => Number(p.value));
	return (parts[0] ?? 0) * 60 + (parts[1] ?? 0);
}
function allowed(t: number, c: QuietHoursContact): boolean {
	const w = localWindow(c);
	return w.zones.every((zone) => {
		const m = localMinuteOf(zone, t);
		return m >= w.startMinute && m < w.endMinute;
	});
}

describe("localWindow", () => {
	it.each([
		[NY, "US-NY", ["America/New_York"], 480, 1260],
		[NJ, "US-NJ", ["America/New_York"], 480, 1200],
		[MIAMI, "US-FL", ["America/Chicago", "America/New_York"], 480, 1200],
		[LONDON, "GB", ["Europe/London"], 480, 1260],
		// CLDR still names these zones by their old IANA links, which Intl accepts all the same.
		[KOLKATA, "IN", ["Asia/Calcutta"], 480, 1260],
		[KATHMANDU, "NP", ["Asia/Katmandu"], 480, 1260],
		["+18005550123", "US", null, 540, 1200],
	])("should place %s in %s", (phone, region, zones, startMinute, endMinute) => {
		const w = localWindow(contact(phone));
		expect(w).toMatchObject({ region, startMinute, endMinute });
		if (zones) expect(w.zones).toEqual(zones);
		else expect(w.zones.length).toBeGreaterThan(5);
	});

	it("should let the contact's zone win, and keep the phone's state hours", () => {
		expect(localWindow(contact(MIAMI, "America/Los_Angeles"))).toEqual({
			zones: ["America/Los_Angeles"],
			startMinute: 480,
			endMinute: 1200,
			region: "US-FL",
		});
		expect(localWindow(contact(NY, "Europe/Paris")).zones).toEqual(["Europe/Paris"]);
	});

	it("should ignore an invalid contact zone", () => {
		expect(localWindow(contact(NY, "Mars/Olympus")).zones).toEqual(["America/New_York"]);
	});

	it("should use the strictest hours in UTC when the number says nothing about where it is", () => {
		expect(localWindow(contact("+80012345678"))).toEqual({
			zones: ["UTC"],
			startMinute: 540,
			endMinute: 1200,
			region: null,
		});
		expect(localWindow(contact("garbage"))).toMatchObject({ zones: ["UTC"], region: null });
		expect(localWindow(contact("+80012345678", "Asia/Tokyo"))).toEqual({
			zones: ["Asia/Tokyo"],
			startMinute: 480,
			endMinute: 1260,
			region: null,
		});
	});
});

describe("sendableAt", () => {
	it.each([
		// [phone, now (UTC), expected (UTC)]
		[NY, "2026-01-15T17:00:00Z", "2026-01-15T17:00:00Z"], // 12:00 EST
		[NY, "2026-01-15T12:59:00Z", "2026-01-15T13:00:00Z"], // 07:59 EST
		[NY, "2026-01-15T12:59:30Z", "2026-01-15T13:00:00Z"],
		[NY, "2026-01-16T01:59:00Z", "2026-01-16T01:59:00Z"], // 20:59 EST
		[NY, "2026-01-16T02:00:00Z", "2026-01-16T13:00:00Z"], // 21:00 EST
		[LA, "2026-07-01T14:00:00Z", "2026-07-01T15:00:00Z"], // 07:00 PDT
		[HONOLULU, "2026-07-01T07:00:00Z", "2026-07-01T18:00:00Z"], // 21:00 HST
		[LONDON, "2026-07-01T06:30:00Z", "2026-07-01T07:00:00Z"], // 07:30 BST
		// An Australian mobile may be anywhere in Australia: 08:00 in Perth (+8) is 10:00 in Sydney.
		[SYDNEY, "2026-07-01T11:30:00Z", "2026-07-02T00:00:00Z"], // 21:30 AEST
		[KOLKATA, "2026-07-01T02:00:00Z", "2026-07-01T02:30:00Z"], // 07:30 IST (+5:30)
		[KATHMANDU, "2026-07-01T02:00:00Z", "2026-07-01T02:15:00Z"], // 07:45 NPT (+5:45)
		[KATHMANDU, "2026-07-01T15:14:00Z", "2026-07-01T15:14:00Z"], // 20:59 NPT
		[KATHMANDU, "2026-07-01T15:15:00Z", "2026-07-02T02:15:00Z"], // 21:00 NPT
	])("%s at %s → %s", (phone, now, expected) => {
		expect(new Date(sendableAt(at(now), contact(phone))).toISOString()).toBe(new Date(at(expected)).toISOString());
	});

	it("should hold Florida to 20:00 and to the Central-time panhandle's 8:00", () => {
		// 20:30 EDT in Miami: closed until 08:00 CDT the next day, which is 09:00 in Miami.
		expect(sendableAt(at("2026-06-10T00:30:00Z"), contact(MIAMI))).toBe(at("2026-06-10T13:00:00Z"));
		// With the contact's own zone known, 08:00 there.
		expect(sendableAt(at("2026-06-10T00:30:00Z"), contact(MIAMI, "America/New_York"))).toBe(at("2026-06-10T12:00:00Z"));
	});

	it("should close New Jersey at 20:00 while New York stays open until 21:00", () => {
		const now = at("2026-06-10T00:30:00Z"); // 20:30 EDT
		expect(sendableAt(now, contact(NY))).toBe(now);
		expect(sendableAt(now, contact(NJ))).toBe(at("2026-06-10T12:00:00Z"));
	});

	it("should follow DST in America/New_York", () => {
		// Spring forward 2026-03-08 02:00 EST → 03:00 EDT: 08:00 EDT is 12:00 UTC.
		expect(sendableAt(at("2026-03-08T02:30:00Z"), contact(NY))).toBe(at("2026-03-08T12:00:00Z"));
		// Fall back 2026-11-01 02:00 EDT → 01:00 EST: 08:00 EST is 13:00 UTC.
		expect(sendableAt(at("2026-11-01T02:30:00Z"), contact(NY))).toBe(at("2026-11-01T13:00:00Z"));
		// 20:59 EDT the evening before the fall-back, 21:00 EST on the day.
		expect(sendableAt(at("2026-11-01T00:59:00Z"), contact(NY))).toBe(at("2026-11-01T00:59:00Z"));
		expect(sendableAt(at("2026-11-02T02:00:00Z"), contact(NY))).toBe(at("2026-11-02T13:00:00Z"));
	});

	it("should follow DST in Europe/London", () => {
		// Spring forward 2026-03-29 01:00 GMT → 02:00 BST: 08:00 BST is 07:00 UTC.
		expect(sendableAt(at("2026-03-28T21:30:00Z"), contact(LONDON))).toBe(at("2026-03-29T07:00:00Z"));
		// Fall back 2026-10-25 02:00 BST → 01:00 GMT: 08:00 GMT is 08:00 UTC.
		expect(sendableAt(at("2026-10-24T20:30:00Z"), contact(LONDON))).toBe(at("2026-10-25T08:00:00Z"));
	});

	it("should open at 08:00 in Sydney for a contact known to be there", () => {
		expect(sendableAt(at("2026-07-01T11:30:00Z"), contact(SYDNEY, "Australia/Sydney"))).toBe(
			at("2026-07-01T22:00:00Z"),
		);
		// Daylight saving time in Sydney (+11) in January.
		expect(sendableAt(at("2026-01-15T10:30:00Z"), contact(SYDNEY, "Australia/Sydney"))).toBe(
			at("2026-01-15T21:00:00Z"),
		);
	});

	it("should use the contact's zone over the phone's", () => {
		// 12:00 EST in New York, 09:00 in Los Angeles, 02:00 in Tokyo.
		const now = at("2026-01-15T17:00:00Z");
		expect(sendableAt(now, contact(NY, "America/Los_Angeles"))).toBe(now);
		expect(sendableAt(now, contact(NY, "Asia/Tokyo"))).toBe(at("2026-01-15T23:00:00Z"));
	});

	it("should find an opening in every country's zones", () => {
		const now = at("2026-03-29T00:30:00Z");
		for (const country of getCountries()) {
			const example = getExampleNumber(country as CountryCode, examples);
			if (!example) continue;
			const c = contact(example.number);
			const t = sendableAt(now, c);
			expect(t, country).toBeGreaterThanOrEqual(now);
			expect(t - now, country).toBeLessThan(2 * 86_400_000);
			expect(allowed(t, c), country).toBe(true);
		}
	});

	it("should return the first allowed minute at or after now", () => {
		const phones = [
			NY,
			NJ,
			MIAMI,
			HONOLULU,
			LONDON,
			SYDNEY,
			KOLKATA,
			KATHMANDU,
			"+19075550123",
			"+17015550123",
			"+80012345678",
		];
		const zones = [null, null, null, "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "Europe/London"];
		// Around the 2026 DST changes of New York, London, Sydney and Lord Howe, and ordinary days.
		const days = ["2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01", "2026-07-14"];
		fc.assert(
			fc.property(
				fc.constantFrom(...phones),
				fc.constantFrom(...zones),
				fc.constantFrom(...days),
				fc.integer({ min: -36 * 60, max: 36 * 60 }),
				fc.integer({ min: 0, max: 59_999 }),
				(phone, timezone, day, minutes, ms) => {
					const now = at(`${day}T12:00:00Z`) + minutes * 60_000 + ms;
					const c = contact(phone, timezone);
					const t = sendableAt(now, c);
					expect(t).toBeGreaterThanOrEqual(now);
					expect(allowed(t, c)).toBe(true);
					if (t === now) return;
					expect(t % 60_000).toBe(0);
					// Coarse brute force: every 5 minutes, then each of the last 10 minutes before t.
					for (let u = Math.ceil(now / 60_000) * 60_000; u < t; u += u < t - 600_000 ? 300_000 : 60_000) {
						expect(allowed(u, c), new Date(u).toISOString()).toBe(false);
					}
				},
			),
			{ numRuns: 150 },
		);
	});

	it("should be fast for a list of 10,000 recipients", () => {
		const now = at("2026-07-01T03:00:00Z");
		const phones = Array.from({ length: 10_000 }, (_, i) =>
			i % 4 === 0
				? `+1212555${String(i).padStart(4, "0")}`
				: i % 4 === 1
					? `+1305555${String(i).padStart(4, "0")}`
					: i % 4 === 2
						? `+4420794${String(i).padStart(5, "0")}`
						: `+9198${String(i).padStart(8, "0")}`,
		);
		for (const phone of phones.slice(0, 10)) sendableAt(now, contact(phone));
		const started = performance.now();
		for (const phone of phones) sendableAt(now, contact(phone));
		const perCall = ((performance.now() - started) / phones.length) * 1000;
		console.log(`sendableAt: ${perCall.toFixed(2)} µs per call (workerd timers are coarse)`);
		expect(perCall).toBeLessThan(200);
	});
});
