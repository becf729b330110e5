// Where a paged export continues, as the client sees it: opaque, URL-safe base64 of a small JSON array. It names the
// export (recipients or clicks) and the campaign, so that a cursor sent to another campaign or the other export is a
// 400 rather than a position read against the wrong rows. It is not signed: a forged cursor can only start an export
// the caller may read anyway somewhere else in it.

import { z } from "zod";
import { fromBase64Url, toBase64Url } from "../http/cursor";
import { ApiError } from "../http/errors";
import type { RecipientCursor } from "./queries";

type Kind = "recipients" | "clicks";

const Encoded = z.union([
	z.tuple([z.literal("r"), z.string().min(1), z.string().max(64).nullable(), z.number().int().min(0)]),
	z.tuple([z.literal("c"), z.string().min(1), z.string().min(1).max(128)]),
]);
type Encoded = z.infer<typeof Encoded>;

/** The decoded cursor if it is one we gave out for this export of this campaign; a 400 otherwise. */
function decode(cursor: string, kind: Kind, campaignId: string): Encoded {
	let parsed: Encoded | undefined;
	try {
		parsed = Encoded.parse(JSON.parse(fromBase64Url(cursor)));
	} catch {
		// Not base64, not UTF-8, not JSON or not our shape: all refused below alike.
	}
	if (!parsed || parsed[0] !== kind[0]) {
		throw new ApiError("bad_request", `The cursor is not one this ${kind} export gave out.`);
	}
	if (parsed[1] !== campaignId) throw new ApiError("bad_request", "The cursor belongs to another campaign's export.");
	return parsed;
}

export function encodeRecipientsCursor(campaignId: string, after: RecipientCursor): string {
	return toBase64Url(JSON.stringify(["r", campaignId, after.variant, after.afterRowid]));
}

export function decodeRecipientsCursor(cursor: string, campaignId: string): RecipientCursor {
	const [, , variant, afterRowid] = decode(cursor, "recipients", campaignId);
	return { variant: variant ?? null, afterRowid: afterRowid ?? 0 };
}

export function encodeClicksCursor(campaignId: string, afterId: string): string {
	return toBase64Url(JSON.stringify(["c", campaignId, afterId]));
}

export function decodeClicksCursor(cursor: string, campaignId: string): string {
	const [, , afterId] = decode(cursor, "clicks", campaignId);
	return String(afterId);
}

/**
 * SQLite's order of variants (NULL first, then BINARY collation: UTF-8 bytes, which is code point order). JavaScript's
 * `<` compares UTF-16 code units, which puts U+10000 and above before U+E000–U+FFFF: hence code points.
 */
export function compareVariants(a: string | null, b: string | null): number {
	if (a === b) return 0;
	if (a === null) return -1;
	if (b === null) return 1;
	const left = Array.from(a, (ch) => ch.codePointAt(0) ?? 0);
	const right = Array.from(b, (ch) => ch.codePointAt(0) ?? 0);
	for (let i = 0; i < Math.min(left.length, right.length); i++) {
		const diff = (left[i] ?? 0) - (right[i] ?? 0);
		if (diff !== 0) return diff;
	}
	return left.length - right.length;
}
