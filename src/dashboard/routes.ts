import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import { campaignFromPath } from "../campaigns/from-path";
import { listCampaigns } from "../campaigns/queries";
import { ExportQuery, exportClicks, exportRecipients, QUERY_PROBLEM } from "../exports/routes";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { decodeCursor, keysetPage } from "../http/cursor";
import { ApiError, renderError } from "../http/errors";
import { readQuery } from "../http/query";
import { listMessages } from "../messages/list-queries";
import { MESSAGE_STATUSES } from "../messages/status";
import { readCampaignSummaries } from "../stats/campaign-summaries";
import { readJourney } from "../stats/journey";
import { readCampaignReport } from "../stats/report";
import { campaignListPage } from "./campaign-list-page";
import { campaignPage, testedVariants } from "./campaign-page";
import { errorPage } from "./error-page";
import { journeyPage } from "./journey-page";
import { messagesPage } from "./messages-page";
import { endSession, requireSession, safeNext, startSession } from "./session";
import { signInPage } from "./sign-in-page";

// Each line counts its campaign's links and messages from indexes: 25 keep a page quick for campaigns of 100k.
const CAMPAIGNS_PER_PAGE = 25;
const MESSAGES_PER_PAGE = 100;

/** The marketer's dashboard under /dashboard: pages drawn on the server from the same reads the API serves. */
export const dashboardRoutes = new Hono<AppEnv>();

dashboardRoutes.onError((err, c) => {
	const signedIn = Boolean(c.get("workspaceId"));
	if (err instanceof ApiError) return c.html(errorPage(err.status, err.message, signedIn), err.status);
	// hono/csrf refuses a form posted from another site.
	if (err instanceof HTTPException && err.status === 403) {
		return c.html(
			errorPage(403, "This form was sent from another site; sign in from the dashboard itself.", signedIn),
			403,
		);
	}
	renderError(err, c);
	return c.html(errorPage(500, "Something went wrong on our side.", signedIn), 500);
});

// Pages show a workspace's data: never cached, never framed, no script, forms post only here. hono/secure-headers
// adds the rest of its defaults (HSTS, nosniff, COOP/CORP, no cross-origin opener, ...).
dashboardRoutes.use(
	"*",
	secureHeaders({
		xFrameOptions: "DENY",
		referrerPolicy: "same-origin",
		contentSecurityPolicy: {
			defaultSrc: ["'none'"],
			styleSrc: ["'unsafe-inline'"],
			imgSrc: ["'self'", "data:"],
			formAction: ["'self'"],
			frameAncestors: ["'none'"],
			baseUri: ["'none'"],
		},
	}),
	async function noStore(c, next) {
		await next();
		c.header("cache-control", "no-store");
	},
);
// A form posted from another site is refused (its Origin is not ours).
dashboardRoutes.use("*", csrf());

// The form holds a key of at most 200 characters and a path of at most 2,000: anything much larger is not the form.
const SIGN_IN_BODY_LIMIT = 8 * 1024;
const SignIn = z.object({ apiKey: z.string().max(200).default(""), next: z.string().max(2000).optional() });

dashboardRoutes.get("/sign-in", (c) => c.html(signInPage({ next: safeNext(c.req.query("next")), error: null })));

dashboardRoutes.post("/sign-in", limitBody(SIGN_IN_BODY_LIMIT), async (c) => {
	const form = SignIn.safeParse(Object.fromEntries(await formData(c)));
	const next = safeNext(form.data?.next);
	const apiKey = form.data?.apiKey.trim() ?? "";
	if (apiKey === "") return c.html(signInPage({ next, error: "Enter an API key." }), 422);
	const session = await startSession(c, apiKey, Date.now());
	if (session === "invalid") {
		return c.html(signInPage({ next, error: "That API key is not valid or was revoked." }), 401);
	}
	if (session === "scope") {
		return c.html(signInPage({ next, error: 'That API key cannot read; sign in with a "read" or "full" key.' }), 403);
	}
	return c.redirect(next, 303);
});

dashboardRoutes.post("/sign-out", (c) => {
	endSession(c);
	return c.redirect("/dashboard/sign-in", 303);
});

for (const path of ["/", "/journey", "/campaigns/*"]) dashboardRoutes.use(path, requireSession());

const ListQuery = z.object({ cursor: z.string().max(200).optional() });

dashboardRoutes.get("/", async (c) => {
	const { cursor } = readQuery(c, ListQuery, "The page link is not valid.");
	const after = decodeCursor(cursor);
	const rows = await readCampaignSummaries(c.env.DB, c.get("workspaceId"), { limit: CAMPAIGNS_PER_PAGE + 1, after });
	const { page, nextCursor } = keysetPage(rows, CAMPAIGNS_PER_PAGE, (last) => ({ at: last.createdAt, id: last.id }));
	return c.html(campaignListPage({ campaigns: page, nextCursor, first: after === null }));
});

dashboardRoutes.get("/journey", async (c) => {
	const workspaceId = c.get("workspaceId");
	const [journey, campaigns] = await Promise.all([
		readJourney(c.env.DB, workspaceId),
		listCampaigns(c.env.DB, workspaceId, 201),
	]);
	return c.html(journeyPage({ journey, campaigns: campaigns.slice(0, 200), more: campaigns.length > 200 }));
});

const CampaignQuery = z.object({ variant: z.string().max(64).optional() });

dashboardRoutes.get("/campaigns/:id", async (c) => {
	const { variant } = readQuery(c, CampaignQuery, "The variant is not valid.");
	const campaign = await campaignFromPath(c);
	const workspaceId = c.get("workspaceId");
	const [report, recent] = await Promise.all([
		readCampaignReport(c.env.DB, workspaceId, campaign),
		listMessages(c.env.DB, workspaceId, { campaignId: campaign.id, status: null, limit: 10, after: null }),
	]);
	if (variant !== undefined && !testedVariants(report, campaign).some((v) => v.variant === variant)) {
		throw new ApiError("not_found", `This campaign has no variant "${variant}".`);
	}
	return c.html(campaignPage({ campaign, report, variant: variant ?? null, recent }));
});

const MessagesQuery = z.object({
	status: z.enum(MESSAGE_STATUSES).or(z.literal("")).optional(),
	cursor: z.string().max(200).optional(),
});

dashboardRoutes.get("/campaigns/:id/messages", async (c) => {
	const query = readQuery(c, MessagesQuery, "Pick a status from the list.");
	const status = query.status || null;
	const campaign = await campaignFromPath(c);
	const after = decodeCursor(query.cursor);
	const rows = await listMessages(c.env.DB, c.get("workspaceId"), {
		campaignId: campaign.id,
		status,
		limit: MESSAGES_PER_PAGE + 1,
		after: after && { createdAt: after.at, id: after.id },
	});
	const { page, nextCursor } = keysetPage(rows, MESSAGES_PER_PAGE, (last) => ({ at: last.createdAt, id: last.id }));
	return c.html(messagesPage({ campaign, messages: page, status, nextCursor }));
});

// The API's streamed exports, with the session instead of a bearer key.
dashboardRoutes.get("/campaigns/:id/export/recipients", (c) =>
	exportRecipients(c, readQuery(c, ExportQuery, QUERY_PROBLEM)),
);
dashboardRoutes.get("/campaigns/:id/export/clicks", (c) => exportClicks(c, readQuery(c, ExportQuery, QUERY_PROBLEM)));

async function formData(c: Context<AppEnv>): Promise<FormData> {
	try {
		return await c.req.formData();
	} catch {
		throw new ApiError("bad_request", "Send the form as the page does.");
	}
}
