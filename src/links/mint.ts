import type { Config } from "../config";
import { phoneHashes } from "../consent/suppression";
import { newId } from "../db/ids";
import { ApiError } from "../http/errors";
import { mintRetryingCollisions } from "./code-collisions";
import { newCode } from "./codes";
import { type LinkDraft, type MintedRow, mintLinkRows, suppressesAny } from "./queries";

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
 * A phone on the workspace's suppression list gets a contact created opted out. Without SUPPRESSION_SECRET the list
 * cannot be read: minting goes on while the workspace has no suppressed phone, and is refused (503) once it has.
 */
export async function mintLinks(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
	recipients: MintRecipient[],
	settings: Pick<Config, "codeLength" | "suppressionSecret">,
	now: number,
): Promise<MintedLink[]> {
	const { codeLength, suppressionSecret } = settings;
	const byPhone = new Map<string, MintRecipient>();
	for (const r of recipients) if (!byPhone.has(r.phone)) byPhone.set(r.phone, r);
	if (!suppressionSecret && (await suppressesAny(d1, workspaceId))) {
		throw new ApiError(
			"not_configured",
			"SUPPRESSION_SECRET is not set: this workspace has erased opted-out numbers that cannot be recognised without it, so nothing was minted or sent.",
		);
	}
	const hashes = suppressionSecret ? await phoneHashes(suppressionSecret, byPhone.keys()) : new Map<string, string>();

	const minted = new Map<string, MintedLink>();
	await mintRetryingCollisions(
		[...byPhone.values()],
		async (pending) => {
			const drafts: LinkDraft[] = pending.map((r) => ({
				...r,
				code: newCode(codeLength),
				contactId: newId("ct"),
				phoneHash: hashes.get(r.phone) ?? null,
			}));
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
