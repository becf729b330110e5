import { ApiError } from "./errors";

/** Where a keyset-paginated listing stopped: the time and id of the last row given out. */
export interface PageCursor {
	at: number;
	id: string;
}

/** Text as URL-safe base64 (of its UTF-8), unpadded: how cursors travel. */
export function toBase64Url(text: string): string {
	let binary = "";
	for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `toBase64Url` the other way; throws on anything that is not base64 of UTF-8. */
export function fromBase64Url(encoded: string): string {
	const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
	return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
		Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
	);
}

/** The cursor as the client sees it: opaque, URL-safe base64 of "<time> <id>". */
export function encodeCursor(cursor: PageCursor): string {
	return toBase64Url(`${cursor.at} ${cursor.id}`);
}

/** The cursor a client sent back; a 400 for anything we did not give out. */
export function decodeCursor(cursor: string | undefined): PageCursor | null {
	if (!cursor) return null;
	let decoded = "";
	try {
		decoded = fromBase64Url(cursor);
	} catch {
		// Not base64 of UTF-8: refused below like any other cursor we did not give out.
	}
	const [at, id] = decoded.split(" ");
	if (!at || !id || !/^\d+$/.test(at)) throw new ApiError("bad_request", "The cursor is not one we gave out.");
	return { at: Number(at), id };
}

/**
 * One page of a keyset listing read with `limit + 1` rows: the first `limit`, and the cursor after the last of them
 * when the extra row shows that more follow.
 */
export function keysetPage<Row>(
	rows: Row[],
	limit: number,
	cursorOf: (row: Row) => PageCursor,
): { page: Row[]; nextCursor: string | null } {
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return { page, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}
