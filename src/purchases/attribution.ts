import { ATTRIBUTION_WINDOWS } from "../db/schema";
import { DAY_MS } from "../time";

/** Purchases are matched to a contact's last human tap at most this long before them. */
export const LONGEST_WINDOW_MS = Math.max(...ATTRIBUTION_WINDOWS) * DAY_MS;

export interface ClickFacts {
	id: string;
	campaignId: string;
	linkCode: string;
	contactId: string | null;
	variant: string | null;
	clickedAt: number;
}

export interface Attribution {
	clickId: string | null;
	campaignId: string | null;
	linkCode: string | null;
	contactId: string | null;
	variant: string | null;
	attributedBy: "click_id" | "last_click" | null;
	clickAt: number | null;
	lagMs: number | null;
}

/**
 * A purchase that carried a click id belongs to that click. Otherwise it belongs to the contact's last human tap
 * before it, if that tap is within the longest window (the stats then count it under each window its lag fits).
 * Otherwise it is unattributed, but still tied to the contact when one is known.
 */
export function attribute(
	at: number,
	carriedClick: ClickFacts | null,
	contactId: string | null,
	lastHumanClick: ClickFacts | null,
): Attribution {
	const click =
		carriedClick ?? (lastHumanClick && at - lastHumanClick.clickedAt <= LONGEST_WINDOW_MS ? lastHumanClick : null);
	if (!click) {
		return {
			clickId: null,
			campaignId: null,
			linkCode: null,
			contactId,
			variant: null,
			attributedBy: null,
			clickAt: null,
			lagMs: null,
		};
	}
	return {
		clickId: click.id,
		campaignId: click.campaignId,
		linkCode: click.linkCode,
		contactId: click.contactId ?? contactId,
		variant: click.variant,
		attributedBy: carriedClick ? "click_id" : "last_click",
		clickAt: click.clickedAt,
		lagMs: Math.max(0, at - click.clickedAt),
	};
}
