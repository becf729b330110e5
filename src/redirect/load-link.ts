import type { CachedLink } from "../cache/link-cache";
import { buildLinkDestination, clickIdSlots } from "../campaigns/destination";
import { findRedirectTarget } from "../links/queries";

/** A live link as the redirect caches it: the destination with its UTM parameters applied, split around the tlid. */
export async function loadLink(d1: D1Database, code: string): Promise<CachedLink | null> {
	const target = await findRedirectTarget(d1, code);
	if (!target) return null;
	const { destinationUrl, utm, ...ids } = target;
	const destination = buildLinkDestination(destinationUrl, utm, target.variant);
	return { ...ids, destination, slots: clickIdSlots(destination) };
}
