import { z } from "zod";
import { CampaignId, campaignFromPath } from "../campaigns/from-path";
import { FOLLOW_UP_REASONS, FOLLOW_UP_STATUSES, MESSAGE_STATUSES } from "../db/schema";
import { decodeCursor, keysetPage } from "../http/cursor";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis, nextCursor } from "../http/schemas";
import { followUpWindow } from "./decide";
import { listFollowUps } from "./list-queries";

export const FollowUpListQuery = z.object({
	status: z.enum(FOLLOW_UP_STATUSES).optional(),
	reason: z.enum(FOLLOW_UP_REASONS).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(100),
	cursor: z.string().max(200).optional(),
});

const FollowUpList = z
	.strictObject({
		followUps: z.array(
			z.strictObject({
				contactId: z.string(),
				phone: z.string().nullable().describe("null once the contact is erased."),
				externalId: z.string().nullable(),
				status: z.enum(FOLLOW_UP_STATUSES),
				reason: z.enum(FOLLOW_UP_REASONS).nullable().describe("Why it waits or was skipped; null when sent."),
				heldBy: z
					.enum(FOLLOW_UP_REASONS)
					.nullable()
					.describe("For window_passed: what kept the contact waiting until the window closed."),
				firstTapAt: millis.describe("The contact's first human tap on the campaign's link."),
				windowOpensAt: millis,
				windowClosesAt: millis,
				retryAt: millis.nullable().describe("When a waiting contact is looked at again."),
				decidedAt: millis.describe("When the current status was recorded."),
				message: z
					.strictObject({
						id: z.string(),
						status: z.enum(MESSAGE_STATUSES),
						sentAt: millis.nullable(),
						deliveredAt: millis.nullable(),
						errorCode: z.string().nullable(),
					})
					.nullable(),
				followUpLink: z.strictObject({ code: z.string(), firstHumanTapAt: millis.nullable() }).nullable(),
			}),
		),
		nextCursor,
	})
	.meta({ id: "FollowUpList" });

/** Routes under /api/v1/campaigns/{id}/follow-ups. */
export const campaignFollowUpRoutes = apiRouter();

const list = declareRoute({
	method: "get",
	path: "/{id}/follow-ups",
	operationId: "listFollowUps",
	tag: "Follow-ups",
	summary: "Who got the follow-up and when, and why the others did not",
	description:
		"One row per contact the follow-up cron looked at, newest first tap first; nextCursor pages. reason filters the status's reason (quiet_hours, capped, opted_out, purchased, window_passed).",
	request: { params: CampaignId, query: FollowUpListQuery },
	queryProblem: `The query is invalid: limit is 1 to 500, status one of ${FOLLOW_UP_STATUSES.join(", ")}, reason one of ${FOLLOW_UP_REASONS.join(", ")}.`,
	responses: { 200: { description: "A page of follow-up decisions.", ...json(FollowUpList) } },
	errors: [400, 401, 404],
});

// Who got a follow-up and when, and why the others did not: one row per contact the cron looked at.
campaignFollowUpRoutes.openapi(list, async (c) => {
	const { status, reason, limit, cursor } = c.req.valid("query");
	const after = decodeCursor(cursor);
	const campaign = await campaignFromPath(c);
	const rows = await listFollowUps(c.env.DB, campaign.id, {
		status: status ?? null,
		reason: reason ?? null,
		limit: limit + 1,
		after: after && { firstTapAt: after.at, contactId: after.id },
	});
	const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ at: last.firstTapAt, id: last.contactId }));
	return reply(c, list, 200, {
		followUps: page.map((r) => {
			const window = followUpWindow(r.firstTapAt, campaign.followUp);
			return {
				contactId: r.contactId,
				phone: r.phone,
				externalId: r.externalId,
				status: r.status,
				reason: r.reason,
				heldBy: r.heldBy,
				firstTapAt: r.firstTapAt,
				windowOpensAt: window.opens,
				windowClosesAt: window.closes,
				retryAt: r.retryAt,
				decidedAt: r.decidedAt,
				message:
					r.messageId && r.messageStatus
						? {
								id: r.messageId,
								status: r.messageStatus,
								sentAt: r.sentAt,
								deliveredAt: r.deliveredAt,
								errorCode: r.errorCode,
							}
						: null,
				followUpLink: r.followUpCode ? { code: r.followUpCode, firstHumanTapAt: r.followUpFirstTapAt } : null,
			};
		}),
		nextCursor,
	});
});
