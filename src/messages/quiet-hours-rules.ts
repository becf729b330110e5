// When marketing SMS may go out, in minutes after local midnight: [startMinute, endMinute), end excluded.
// Data, not code: a new state law is a new row. Only daily windows are modelled; weekday, Sunday and holiday
// bans (Mississippi Sundays, Rhode Island and Texas weekends, Alabama and Louisiana Sundays and holidays) are
// not, and state telemarketing rules change yearly: the table needs a legal review before campaigns rely on it.

export type QuietHoursWindow = { startMinute: number; endMinute: number };

export type RegionRule = QuietHoursWindow & {
	/** "US-FL": ISO 3166-2 subdivision, as the NANP area-code table names regions. */
	region: string;
	/** Where the hours come from: the statute first, then the secondary sources they were checked against. */
	source: string;
};

/** 47 CFR § 64.1200(c)(1) (TCPA): no telephone solicitation before 8 a.m. or after 9 p.m. at the called party's location. */
export const DEFAULT_WINDOW: QuietHoursWindow = { startMinute: 8 * 60, endMinute: 21 * 60 };

const SECONDARY =
	"checked against dropcowboy.com/state-compliance (updated 2025-11-01) and support.referrizer.com " +
	"(TCPA quiet hours and state-specific rules for text campaigns)";

export const REGION_RULES: readonly RegionRule[] = [
	{
		region: "US-CT",
		startMinute: 9 * 60,
		endMinute: 20 * 60,
		source: `Conn. Gen. Stat. § 42-288a as amended by Public Act 23-98 (SB 1058, effective 2023-10-01); ${SECONDARY}`,
	},
	{
		region: "US-FL",
		startMinute: 8 * 60,
		endMinute: 20 * 60,
		source: `Fla. Stat. § 501.059, Florida Telephone Solicitation Act as amended by SB 1120 (2021); ${SECONDARY}`,
	},
	{
		region: "US-MD",
		startMinute: 8 * 60,
		endMinute: 20 * 60,
		source: `Maryland Stop the Spam Calls Act of 2023 (Md. Code, Com. Law Title 14, Subtitle 45); ${SECONDARY}`,
	},
	{
		region: "US-MS",
		startMinute: 8 * 60,
		endMinute: 20 * 60,
		source: `Mississippi telephone solicitation law (Miss. Code Ann. Title 77, Chapter 3, Article 19); ${SECONDARY}`,
	},
	{
		region: "US-NJ",
		startMinute: 8 * 60,
		endMinute: 20 * 60,
		source: `New Jersey telemarketing law as amended by S921 (2023); ${SECONDARY} (referrizer)`,
	},
	{
		region: "US-OK",
		startMinute: 8 * 60,
		endMinute: 20 * 60,
		source: `Oklahoma Telephone Solicitation Act of 2022; ${SECONDARY}`,
	},
];
