// How many SMS a text costs, as carriers and Twilio count it (3GPP TS 23.038 and 23.040).
//
// GSM-7 packs 160 septets in one SMS; a longer text is split into parts of 153 (the other 7 carry the
// concatenation header), and an extension character (escape + char, 2 septets) is never split across parts. One
// character outside GSM-7 switches the whole text to UCS-2: 70 UTF-16 units in one SMS, 67 per part, and a
// surrogate pair (most emoji) never split. An empty text is 0 segments: Twilio refuses an empty body (error
// 21602), so there is nothing to count.

export type SegmentCount = {
	encoding: "GSM-7" | "UCS-2";
	segments: number;
	/** Septets for GSM-7, UTF-16 code units for UCS-2. */
	units: number;
	/** Each distinct character that forced UCS-2, in order of first appearance: what to replace to save money. */
	nonGsmCharacters: string[];
};

// The GSM 03.38 default alphabet, in table order (0x1B, the escape, left out).
const GSM_BASIC =
	"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
// The extension table: each costs an escape septet plus its own.
const GSM_EXTENSION = "\f^{}\\[~]|€";

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

const GSM_SINGLE = 160;
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

/** The encoding, segment count and length of an SMS text, and the characters that made it UCS-2 if any. */
export function countSegments(text: string): SegmentCount {
	const widths: number[] = [];
	const nonGsm = new Set<string>();
	for (const char of text) {
		if (BASIC.has(char)) widths.push(1);
		else if (EXTENSION.has(char)) widths.push(2);
		else nonGsm.add(char);
	}
	if (nonGsm.size === 0) {
		return { encoding: "GSM-7", ...pack(widths, GSM_SINGLE, GSM_PART), nonGsmCharacters: [] };
	}
	const units = Array.from(text, (char) => char.length);
	return { encoding: "UCS-2", ...pack(units, UCS2_SINGLE, UCS2_PART), nonGsmCharacters: [...nonGsm] };
}

/** Greedy packing: an item (an escape pair, a surrogate pair) that does not fit whole starts the next part. */
function pack(widths: number[], single: number, part: number): { segments: number; units: number } {
	let units = 0;
	for (const width of widths) units += width;
	if (units === 0) return { segments: 0, units };
	if (units <= single) return { segments: 1, units };
	let segments = 1;
	let used = 0;
	for (const width of widths) {
		if (used + width > part) {
			segments += 1;
			used = 0;
		}
		used += width;
	}
	return { segments, units };
}
