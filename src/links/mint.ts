import { newId } from "../db/ids";
import { mintRetryingCollisions } from "./code-collisions";
import { newCode } from "./codes";
import { type LinkDraft, type MintedRow, mintLinkRows } from "./queries";

/** A recipient that passed validation: phone in E.164. */
export interface MintRecipient {
	phone: string;
	externalId: string | null;
	variant: string | null;
	timezone: string | null;
}

export interface MintedLink extends MintedRow {
	/** False when the (campaign, phone) already had a live link, which is returned instead. */
	created: boolean;
}

/**
 * Mints one link per distinct phone, idempotently: a phone that already has a live link in this campaign gets that
 * link back. Returns links in the order of `recipients` (a phone listed twice gets the same link twice).
 */
export async function mintLinks(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
	recipients: MintRecipient[],
	codeLength: number,
	now: number,
): Promise<MintedLink[]> {
	const byPhone = new Map<string, MintRecipient>();
	for (const r of recipients) if (!byPhone.has(r.phone)) byPhone.set(r.phone, r);

	const minted = new Map<string, MintedLink>();
	await mintRetryingCollisions(
		[...byPhone.values()],
		async (pending) => {
			const drafts: LinkDraft[] = pending.map((r) => ({ ...r, code: newCode(codeLength), contactId: newId("ct") }));
			const draftCodes = new Map(drafts.map((d) => [d.phone, d.code]));
			for (const row of await mintLinkRows(d1, workspaceId, campaignId, drafts, now)) {
				minted.set(row.phone, { ...row, created: draftCodes.get(row.phone) === row.code });
			}
			// A phone with no live link lost its insert to a code collision.
			return pending.filter((r) => !minted.has(r.phone));
		},
		(left) => `could not mint unique codes for ${left} recipients`,
	);

	return recipients.map((r) => {
		const link = minted.get(r.phone);
		if (!link) throw new Error("minted link missing for a recipient");
		return link;
	});
}
