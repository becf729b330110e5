import { Hono } from "hono";
import { z } from "zod";
import { buildLinkDestination } from "../campaigns/destination";
import { findCampaign } from "../campaigns/queries";
import { normalisePhone } from "../contacts/phone";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError, type ErrorDetail } from "../http/errors";
import { readJson } from "../http/json-body";
import { publicOrigin } from "../http/public-origin";
import { evictLink } from "../redirect/link-cache";
import { codeLength, looksLikeCode } from "./codes";
import { type MintRecipient, mintLinks } from "./mint";
import { deleteLink, findLink } from "./queries";

export const MAX_RECIPIENTS_PER_REQUEST = 10_000;

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish();

const Recipient = z.strictObject({
	phone: z.string().min(1).max(40),
	externalId: optionalText(200),
	variant: optionalText(64),
	timezone: optionalText(64),
});

// Recipients are checked one by one below, so that every problem of a list is reported in one answer.
const MintRequest = z.strictObject({
	recipients: z.array(z.unknown()).min(1).max(MAX_RECIPIENTS_PER_REQUEST),
	// ISO 3166 country for numbers written without +country code, e.g. "US" for "(415) 555-2671".
	defaultCountry: z
		.string()
		.regex(/^[A-Za-z]{2}$/, "must be a two-letter country code such as US")
		.transform((s) => s.toUpperCase())
		.optional(),
});

const knownZones = new Map<string, boolean>();
function isTimeZone(zone: string): boolean {
	let known = knownZones.get(zone);
	if (known === undefined) {
		try {
			new Intl.DateTimeFormat("en-US", { timeZone: zone });
			known = true;
		} catch {
			known = false;
		}
		if (knownZones.size < 1000) knownZones.set(zone, known);
	}
	return known;
}

/** Validates and normalises every recipient, or throws one 422 that lists each problem with its index. */
function checkRecipients(raw: unknown[], defaultCountry: string | undefined): MintRecipient[] {
	const problems: ErrorDetail[] = [];
	const recipients: MintRecipient[] = [];
	const firstByPhone = new Map<string, { index: number; recipient: MintRecipient }>();
	raw.forEach((item, index) => {
		const at = `recipients.${index}`;
		const parsed = Recipient.safeParse(item);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				problems.push({ index, path: [at, ...issue.path.map(String)].join("."), message: issue.message });
			}
			return;
		}
		const r = parsed.data;
		const phone = normalisePhone(r.phone, defaultCountry);
		if (!phone.ok) problems.push({ index, path: `${at}.phone`, message: phone.message });
		if (r.timezone && !isTimeZone(r.timezone)) {
			problems.push({ index, path: `${at}.timezone`, message: "not an IANA time zone such as America/New_York" });
		}
		if (!phone.ok) return;
		const recipient = {
			phone: phone.e164,
			externalId: r.externalId ?? null,
			variant: r.variant ?? null,
			timezone: r.timezone ?? null,
		};
		const first = firstByPhone.get(recipient.phone);
		if (!first) {
			firstByPhone.set(recipient.phone, { index, recipient });
		} else if (JSON.stringify(first.recipient) !== JSON.stringify(recipient)) {
			problems.push({
				index,
				path: `${at}.phone`,
				message: `same phone as recipients.${first.index} with a different externalId, variant or timezone`,
			});
		}
		recipients.push(recipient);
	});
	if (problems.length > 0) {
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
	const campaign = await findCampaign(c.env.DB, workspaceId, c.req.param("id"));
	if (!campaign) throw new ApiError("not_found", "No campaign with that id in this workspace.");
	const input = await readJson(c, MintRequest);

	const recipients = checkRecipients(input.recipients, input.defaultCountry);
	const minted = await mintLinks(
		c.env.DB,
		workspaceId,
		campaign.id,
		recipients,
		codeLength(c.env.CODE_LENGTH),
		Date.now(),
	);
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
