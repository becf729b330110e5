import { ApiError } from "./errors";

/** Where a keyset-paginated listing stopped: the time and id of the last row given out. */
export interface PageCursor {
	at: number;
	id: string;
}

/** The cursor as the client sees it: opaque, URL-safe base64 of "<time> <id>". */
export function encodeCursor(cursor: PageCursor): string {
	return btoa(`${cursor.at} ${cursor.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The cursor a client sent back; a 400 for anything we did not give out. */
export function decodeCursor(cursor: string | undefined): PageCursor | null {
	if (!cursor) return null;
	let decoded = "";
	try {
		decoded = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
	} catch {
		// Not base64: refused below like any other cursor we did not give out.
	}
	const [at, id] = decoded.split(" ");
	if (!at || !id || !/^\d+$/.test(at)) throw new ApiError("bad_request", "The cursor is not one we gave out.");
	return { at: Number(at), id };
}
