import { z } from "zod";
import { evictLink } from "../cache/link-cache";
import { buildLinkDestination } from "../campaigns/destination";
import { CampaignId, campaignFromPath, requireCampaign } from "../campaigns/from-path";
import { config, publicOrigin } from "../config";
import { checkRecipients, DefaultCountry, RecipientInput, RecipientsList } from "../contacts/recipients";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, registerSchema, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { looksLikeCode } from "./codes";
import { type MintRecipient, mintLinks } from "./mint";
import { deleteLink, findLink } from "./queries";

export const MAX_RECIPIENTS_PER_REQUEST = 10_000;

// Recipients are checked one by one, so that every problem of a list is reported in one answer.
export const MintRequest = z
	.strictObject({
		recipients: RecipientsList(MAX_RECIPIENTS_PER_REQUEST),
		defaultCountry: DefaultCountry,
	})
	.meta({ id: "MintRequest" });

const MintedLinks = z
	.strictObject({
		links: z.array(
			z.strictObject({
				code: z.string(),
				shortUrl: z.string(),
				contactId: z.string(),
				phone: z.string(),
				variant: z.string().nullable(),
				created: z.boolean().describe("false: the recipient already had this live link."),
			}),
		),
	})
	.meta({ id: "MintedLinks" });

const clickCounts = z.strictObject({
	total: z.number().int(),
	human: z.number().int(),
	bot: z.number().int(),
	uniqueHumans: z.number().int(),
});

const Link = z
	.strictObject({
		link: z.strictObject({
			code: z.string(),
			campaignId: z.string(),
			contactId: z.string(),
			phone: z.string(),
			variant: z.string().nullable(),
			createdAt: millis,
			firstHumanClickAt: millis.nullable(),
			lastHumanClickAt: millis.nullable(),
			shortUrl: z.string(),
			destination: z.string().describe("Where the link redirects, UTM parameters included (without tlid)."),
			clicks: clickCounts,
		}),
	})
	.meta({ id: "Link" });

const LinkCode = z.object({ code: z.string().describe("The short code.") });

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

/** Routes under /api/v1/campaigns/{id}/links. */
export const campaignLinkRoutes = apiRouter();
// Its items are checked one by one, but documented as what they are.
registerSchema(campaignLinkRoutes, "Recipient", RecipientInput);

const mint = declareRoute({
	method: "post",
	path: "/{id}/links",
	operationId: "mintLinks",
	scope: "links:write",
	tag: "Links",
	summary: `Mint one short link per recipient (up to ${MAX_RECIPIENTS_PER_REQUEST.toLocaleString("en")})`,
	description:
		"Idempotent per (campaign, phone). If any recipient is invalid the answer is 422 listing each problem, and nothing is minted.",
	// 10,000 recipients with every field at its longest are about 4.3 MB.
	bodyLimit: 6 * 1024 * 1024,
	before: [requireCampaign()],
	request: { params: CampaignId, body: { required: true, ...json(MintRequest) } },
	responses: { 200: { description: "The links, in input order.", ...json(MintedLinks) } },
	errors: [400, 401, 404, 413, 415, 422, 503],
});
campaignLinkRoutes.openapi(mint, async (c) => {
	const workspaceId = c.get("workspaceId");
	const campaign = await campaignFromPath(c);
	const input = c.req.valid("json");

	const recipients = recipientsToMint(input.recipients, input.defaultCountry);
	const minted = await mintLinks(c.env.DB, workspaceId, campaign.id, recipients, config(c.env), Date.now());
	const origin = publicOrigin(c.env, c.req.url);
	return reply(c, mint, 200, {
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
export const linkRoutes = apiRouter();

const get = declareRoute({
	method: "get",
	path: "/{code}",
	operationId: "getLink",
	tag: "Links",
	summary: "One link with its destination and clicks",
	request: { params: LinkCode },
	responses: { 200: { description: "The link.", ...json(Link) } },
	errors: [401, 404],
});
linkRoutes.openapi(get, async (c) => {
	const code = c.req.param("code");
	const link = looksLikeCode(code) ? await findLink(c.env.DB, c.get("workspaceId"), code) : null;
	if (!link) throw new ApiError("not_found", "No link with that code in this workspace.");
	const { destinationUrl, utm, clicks, humanClicks, botClicks, ...rest } = link;
	return reply(c, get, 200, {
		link: {
			...rest,
			shortUrl: `${publicOrigin(c.env, c.req.url)}/${link.code}`,
			destination: buildLinkDestination(destinationUrl, utm, link.variant),
			clicks: { total: clicks, human: humanClicks, bot: botClicks, uniqueHumans: humanClicks > 0 ? 1 : 0 },
		},
	});
});

const remove = declareRoute({
	method: "delete",
	path: "/{code}",
	operationId: "deleteLink",
	tag: "Links",
	summary: "Deactivate a link; its clicks stay counted",
	request: { params: LinkCode },
	responses: { 204: { description: "Deactivated." } },
	errors: [401, 404],
});
linkRoutes.openapi(remove, async (c) => {
	const code = c.req.param("code");
	const deleted = looksLikeCode(code) && (await deleteLink(c.env.DB, c.get("workspaceId"), code, Date.now()));
	if (!deleted) throw new ApiError("not_found", "No link with that code in this workspace.");
	evictLink(code);
	return c.body(null, 204);
});
