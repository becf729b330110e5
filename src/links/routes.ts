import { Hono } from "hono";
import { z } from "zod";
import { evictLink } from "../cache/link-cache";
import { buildLinkDestination } from "../campaigns/destination";
import { campaignFromPath } from "../campaigns/from-path";
import { config, publicOrigin } from "../config";
import { checkRecipients, DefaultCountry, RecipientsList } from "../contacts/recipients";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { looksLikeCode } from "./codes";
import { type MintRecipient, mintLinks } from "./mint";
import { deleteLink, findLink } from "./queries";

export const MAX_RECIPIENTS_PER_REQUEST = 10_000;

// Recipients are checked one by one, so that every problem of a list is reported in one answer.
export const MintRequest = z.strictObject({
	recipients: RecipientsList(MAX_RECIPIENTS_PER_REQUEST),
	defaultCountry: DefaultCountry,
});

/** The recipients to mint for, in request order, or one 422 that lists each problem with its index. */
function recipientsToMint(raw: unknown[], defaultCountry: string | undefined): MintRecipient[] {
	const { problems, checked } = checkRecipients(raw, defaultCountry);
	const byIndex = new Map<number, MintRecipient>();
	const recipients: MintRecipient[] = [];
	for (const entry of checked) {
		if (entry.ok) {
			const { phone, externalId, variant, timezone } = entry.recipient;
			const recipient = { phone, externalId, variant, timezone };
			byIndex.set(entry.index, recipient);
			recipients.push(recipient);
		} else if (entry.reason === "invalid_phone" || entry.conflicting) {
			problems.push({ index: entry.index, path: `recipients.${entry.index}.phone`, message: entry.message });
		} else {
			// The same recipient listed twice gets the same link twice.
			const first = byIndex.get(entry.firstIndex);
			if (first) recipients.push(first);
		}
	}
	if (problems.length > 0) {
		problems.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
		throw new ApiError(
			"validation_failed",
			`${problems.length} recipient field(s) are invalid; nothing was minted.`,
			problems.slice(0, 1000),
		);
	}
	return recipients;
}

/** Routes under /api/v1/campaigns/:id/links. */
export const campaignLinkRoutes = new Hono<AppEnv>();

// 10,000 recipients with every field at its longest are about 4.3 MB.
campaignLinkRoutes.post("/:id/links", limitBody(6 * 1024 * 1024), async (c) => {
	const workspaceId = c.get("workspaceId");
	const campaign = await campaignFromPath(c);
	const input = await readJson(c, MintRequest);

	const recipients = recipientsToMint(input.recipients, input.defaultCountry);
	const minted = await mintLinks(c.env.DB, workspaceId, campaign.id, recipients, config(c.env).codeLength, Date.now());
	const origin = publicOrigin(c.env, c.req.url);
	return c.json({
		links: minted.map((l) => ({
			code: l.code,
			shortUrl: `${origin}/${l.code}`,
			contactId: l.contactId,
			phone: l.phone,
			variant: l.variant,
			created: l.created,
		})),
	});
});

/** Routes under /api/v1/links. */
export const linkRoutes = new Hono<AppEnv>();

linkRoutes.get("/:code", async (c) => {
	const code = c.req.param("code");
	const link = looksLikeCode(code) ? await findLink(c.env.DB, c.get("workspaceId"), code) : null;
	if (!link) throw new ApiError("not_found", "No link with that code in this workspace.");
	const { destinationUrl, utm, clicks, humanClicks, botClicks, ...rest } = link;
	return c.json({
		link: {
			...rest,
			shortUrl: `${publicOrigin(c.env, c.req.url)}/${link.code}`,
			destination: buildLinkDestination(destinationUrl, utm, link.variant),
			clicks: { total: clicks, human: humanClicks, bot: botClicks, uniqueHumans: humanClicks > 0 ? 1 : 0 },
		},
	});
});

linkRoutes.delete("/:code", async (c) => {
	const code = c.req.param("code");
	const deleted = looksLikeCode(code) && (await deleteLink(c.env.DB, c.get("workspaceId"), code, Date.now()));
	if (!deleted) throw new ApiError("not_found", "No link with that code in this workspace.");
	evictLink(code);
	return c.body(null, 204);
});
