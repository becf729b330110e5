// Codes are random, so an insert can collide with a live code; the write skips it (ON CONFLICT DO NOTHING) and
// the item is minted again with a fresh code. Three collisions in a row mean a broken generator or a code space
// nearly full, not bad luck: then minting stops.
export const MAX_CODE_ATTEMPTS = 3;

/**
 * Mints in rounds until every item is settled: `mintRound` draws a fresh code for each pending item, writes them,
 * and answers the items still unsettled (their code collided). Throws `failure(left)` when items are left after
 * MAX_CODE_ATTEMPTS rounds.
 */
export async function mintRetryingCollisions<T>(
	items: T[],
	mintRound: (pending: T[]) => Promise<T[]>,
	failure: (left: number) => string,
): Promise<void> {
	let pending = items;
	for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS && pending.length > 0; attempt++)
		pending = await mintRound(pending);
	if (pending.length > 0) throw new Error(failure(pending.length));
}
