import { Hono } from "hono";
import { z } from "zod";
import { campaignFromPath } from "../campaigns/from-path";
import { FOLLOW_UP_REASONS, FOLLOW_UP_STATUSES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { decodeCursor, keysetPage } from "../http/cursor";
import { readQuery } from "../http/json-body";
import { listFollowUps } from "./list-queries";
import { followUpWindow } from "./queries";

export const FollowUpListQuery = z.object({
	status: z.enum(FOLLOW_UP_STATUSES).optional(),
	reason: z.enum(FOLLOW_UP_REASONS).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(100),
	cursor: z.string().max(200).optional(),
});

/** Routes under /api/v1/campaigns/:id/follow-ups. */
export const campaignFollowUpRoutes = new Hono<AppEnv>();

// Who got a follow-up and when, and why the others did not: one row per contact the cron looked at.
campaignFollowUpRoutes.get("/:id/follow-ups", async (c) => {
	const { status, reason, limit, cursor } = readQuery(
		c,
		FollowUpListQuery,
		`The query is invalid: limit is 1 to 500, status one of ${FOLLOW_UP_STATUSES.join(", ")}, reason one of ${FOLLOW_UP_REASONS.join(", ")}.`,
	);
	const after = decodeCursor(cursor);
	const campaign = await campaignFromPath(c);
	const rows = await listFollowUps(c.env.DB, campaign.id, {
		status: status ?? null,
		reason: reason ?? null,
		limit: limit + 1,
		after: after && { firstTapAt: after.at, contactId: after.id },
	});
	const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ at: last.firstTapAt, id: last.contactId }));
	return c.json({
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
