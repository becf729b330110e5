import type { Context } from "hono";
import { z } from "zod";
import { CampaignId, campaignFromPath } from "../campaigns/from-path";
import { publicOrigin } from "../config";
import type { AppEnv } from "../http/app-env";
import { apiRouter, declareRoute, registerSchema } from "../http/route";
import { isoTime, revenue } from "../http/schemas";
import { fromMinor, minorDigits } from "../purchases/money";
import { type Cell, csvLine } from "./csv";
import {
	compareVariants,
	decodeClicksCursor,
	decodeRecipientsCursor,
	encodeClicksCursor,
	encodeRecipientsCursor,
} from "./cursor";
import {
	type ClickExportRow,
	EXPORT_PAGE_SIZE,
	findClicksEnd,
	findNextVariant,
	findRecipientsEnd,
	NO_ID_BOUND,
	NO_ROWID_BOUND,
	type RecipientCursor,
	type RecipientRow,
	readClicksPage,
	readRecipientsPage,
} from "./queries";

// One response holds at most a million rows: 200 pages of 5,000 plus a handful of other queries (the API key, the
// campaign, where the response ends, two per variant it crosses) stays far below the 1,000 D1 queries a Worker
// invocation may make. Larger exports continue in further requests from X-Next-Cursor. On the Free plan (50
// queries) a client asks for limit=200000 at most.
export const EXPORT_MAX_ROWS = 1_000_000;

export const ExportQuery = z.object({
	format: z.enum(["csv", "ndjson"]).default("csv").describe("Row format."),
	limit: z.coerce
		.number()
		.int()
		.min(1)
		.max(EXPORT_MAX_ROWS)
		.default(EXPORT_MAX_ROWS)
		.describe("Rows in this response, 1 to 1,000,000. When more follow, X-Next-Cursor says where they start."),
	cursor: z
		.string()
		.min(1)
		.max(512)
		.optional()
		.describe("The previous response's X-Next-Cursor; none for the first response (the only one with a CSV header)."),
});
export type ExportQuery = z.infer<typeof ExportQuery>;
type Format = ExportQuery["format"];
type ExportRecord = Record<string, Cell | Record<string, number>>;

const RECIPIENT_COLUMNS = [
	"code",
	"shortUrl",
	"phone",
	"externalId",
	"variant",
	"messageStatus",
	"sentAt",
	"deliveredAt",
	"errorCode",
	"firstTapAt",
	"humanClicks",
	"purchased",
	"revenue",
] as const;

const CLICK_COLUMNS = [
	"id",
	"clickedAt",
	"linkCode",
	"variant",
	"human",
	"botReason",
	"deviceType",
	"os",
	"browser",
	"country",
] as const;

function iso(ms: number | null): string | null {
	return ms === null ? null : new Date(ms).toISOString();
}

function recipientRecord(row: RecipientRow, origin: string): ExportRecord {
	const revenue: Record<string, number> = {};
	const minorByCurrency = Object.entries(JSON.parse(row.revenueMinor) as Record<string, number>);
	for (const [currency, minor] of minorByCurrency) revenue[currency] = fromMinor(minor, currency);
	return {
		code: row.code,
		shortUrl: `${origin}/${row.code}`,
		phone: row.phone,
		externalId: row.externalId,
		variant: row.variant,
		messageStatus: row.messageStatus,
		sentAt: iso(row.sentAt),
		deliveredAt: iso(row.deliveredAt),
		errorCode: row.errorCode,
		firstTapAt: iso(row.firstTapAt),
		humanClicks: row.humanClicks,
		purchased: minorByCurrency.length > 0,
		revenue,
	};
}

function clickRecord(row: ClickExportRow): ExportRecord {
	return { ...row, clickedAt: iso(row.clickedAt), human: row.human === 1 };
}

/** In CSV, revenue is one cell: "49.90 USD", several currencies joined with "; ". */
function revenueCell(revenue: Record<string, number>): string {
	return Object.entries(revenue)
		.map(([currency, value]) => `${value.toFixed(minorDigits(currency))} ${currency}`)
		.join("; ");
}

function encodeRecord(format: Format, columns: readonly string[], record: ExportRecord): string {
	if (format === "ndjson") return `${JSON.stringify(record)}\n`;
	return csvLine(
		columns.map((column) => {
			const value = record[column];
			return typeof value === "object" && value !== null ? revenueCell(value) : value;
		}),
	);
}

/**
 * A response that pulls one page at a time: the next page is read only when the client has taken the last one, so
 * memory stays flat whatever the size. `nextPage` answers the encoded page and whether more may follow. The first
 * page is read before the response starts, so that a failing query is a proper 500, not a cut body.
 */
async function streamedResponse(
	format: Format,
	filename: string,
	header: string,
	nextPage: () => Promise<{ text: string; done: boolean }>,
	paging: Record<string, string>,
): Promise<Response> {
	const encoder = new TextEncoder();
	let first: { text: string; done: boolean } | null = await nextPage();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				let page: { text: string; done: boolean };
				let text = "";
				if (first) {
					page = first;
					text = header;
					first = null;
				} else {
					page = await nextPage();
				}
				text += page.text;
				if (text) controller.enqueue(encoder.encode(text));
				if (page.done) controller.close();
			} catch (err) {
				// The status line is long gone: all a client can be told is that the body ended early.
				console.error(JSON.stringify({ msg: "export failed midway", filename, error: String(err) }));
				controller.error(err);
			}
		},
	});
	const extension = format === "csv" ? "csv" : "ndjson";
	return new Response(body, {
		headers: {
			"content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
			"content-disposition": `attachment; filename="${filename}.${extension}"`,
			"cache-control": "no-store",
			...paging,
		},
	});
}

export const QUERY_PROBLEM = `The query is invalid: format is csv or ndjson, limit 1 to ${EXPORT_MAX_ROWS}, cursor one an export gave out.`;

/**
 * Where the next response starts, sent before the body (none: this one reaches the end). Link repeats it as the URL
 * to fetch, with this response's format and limit.
 */
function pagingHeaders(requestUrl: string, query: ExportQuery, nextCursor: string | undefined): Record<string, string> {
	if (nextCursor === undefined) return {};
	const next = new URL(requestUrl);
	next.search = new URLSearchParams({
		format: query.format,
		limit: String(query.limit),
		cursor: nextCursor,
	}).toString();
	return { "x-next-cursor": nextCursor, link: `<${next.href}>; rel="next"` };
}

// Each response first finds, in one index-only query, the last row it will hold and whether any follow, so that it
// can name the next cursor in its headers; it then streams the rows up to that one, page by page.
/** The recipients export of the path's campaign: for the API route below and the dashboard's download. */
export async function exportRecipients(c: Context<AppEnv>, query: ExportQuery): Promise<Response> {
	const campaign = await campaignFromPath(c);
	const db = c.env.DB;
	const origin = publicOrigin(c.env, c.req.url);
	const start: RecipientCursor =
		query.cursor === undefined ? { variant: null, afterRowid: 0 } : decodeRecipientsCursor(query.cursor, campaign.id);
	const end = await findRecipientsEnd(db, campaign.id, start, query.limit);
	const nextCursor = end?.more ? encodeRecipientsCursor(campaign.id, end.last) : undefined;
	// The response's last link, if it stops short of the end of the export.
	const last = end?.last;
	let cursor: RecipientCursor | undefined = start;
	return streamedResponse(
		query.format,
		`tapline-${campaign.id}-recipients`,
		query.format === "csv" && query.cursor === undefined ? csvLine(RECIPIENT_COLUMNS) : "",
		async () => {
			while (cursor) {
				// In the variant of the response's last link, read up to that link and stop there.
				const final = last !== undefined && cursor.variant === last.variant;
				const through = final ? last.afterRowid : NO_ROWID_BOUND;
				const rows = await readRecipientsPage(db, campaign.id, cursor, through);
				const lastRead = rows.at(-1);
				if (lastRead && rows.length === EXPORT_PAGE_SIZE && lastRead.rid < through) {
					cursor = { variant: cursor.variant, afterRowid: lastRead.rid };
				} else if (final) {
					cursor = undefined;
				} else {
					const next = await findNextVariant(db, campaign.id, cursor.variant);
					// Past the last link's variant only if its links were deleted meanwhile: this response ends there.
					cursor =
						next === undefined || (last !== undefined && compareVariants(next, last.variant) > 0)
							? undefined
							: { variant: next, afterRowid: 0 };
				}
				// A variant with nothing left moves on at once rather than hand the client an empty chunk.
				if (rows.length > 0) {
					const text = rows
						.map((row) => encodeRecord(query.format, RECIPIENT_COLUMNS, recipientRecord(row, origin)))
						.join("");
					return { text, done: cursor === undefined };
				}
			}
			return { text: "", done: true };
		},
		pagingHeaders(c.req.url, query, nextCursor),
	);
}

/** The clicks export of the path's campaign. */
export async function exportClicks(c: Context<AppEnv>, query: ExportQuery): Promise<Response> {
	const campaign = await campaignFromPath(c);
	const db = c.env.DB;
	let afterId = query.cursor === undefined ? "" : decodeClicksCursor(query.cursor, campaign.id);
	const end = await findClicksEnd(db, campaign.id, afterId, query.limit);
	const nextCursor = end?.more ? encodeClicksCursor(campaign.id, end.last) : undefined;
	return streamedResponse(
		query.format,
		`tapline-${campaign.id}-clicks`,
		query.format === "csv" && query.cursor === undefined ? csvLine(CLICK_COLUMNS) : "",
		async () => {
			const through = end?.last ?? NO_ID_BOUND;
			const rows = await readClicksPage(db, campaign.id, afterId, through);
			afterId = rows.at(-1)?.id ?? afterId;
			const text = rows.map((row) => encodeRecord(query.format, CLICK_COLUMNS, clickRecord(row))).join("");
			return { text, done: rows.length < EXPORT_PAGE_SIZE || afterId === through };
		},
		pagingHeaders(c.req.url, query, nextCursor),
	);
}

const RecipientExportLine = z
	.strictObject({
		code: z.string(),
		shortUrl: z.string(),
		phone: z.string().nullable().describe("null once the contact is erased."),
		externalId: z.string().nullable(),
		variant: z.string().nullable(),
		messageStatus: z.string().nullable(),
		sentAt: isoTime.nullable(),
		deliveredAt: isoTime.nullable(),
		errorCode: z.string().nullable(),
		firstTapAt: isoTime.nullable(),
		humanClicks: z.number().int(),
		purchased: z.boolean(),
		revenue,
	})
	.meta({ description: "One line of the NDJSON recipients export." });

const ClickExportLine = z
	.strictObject({
		id: z.string(),
		clickedAt: isoTime,
		linkCode: z.string(),
		variant: z.string().nullable(),
		human: z.boolean(),
		botReason: z.string().nullable(),
		deviceType: z.string().nullable(),
		os: z.string().nullable(),
		browser: z.string().nullable(),
		country: z.string().nullable(),
	})
	.meta({ description: "One line of the NDJSON clicks export." });

// The rows' fields are the CSV's columns, in order.
const sameColumns = (schema: z.ZodObject, columns: readonly string[]) => {
	if (Object.keys(schema.shape).join() !== columns.join()) throw new Error("export columns and row schema differ");
};
sameColumns(RecipientExportLine, RECIPIENT_COLUMNS);
sameColumns(ClickExportLine, CLICK_COLUMNS);

const exportDescription =
	"Streamed in pages read from D1. One response holds at most `limit` rows (1,000,000 by default and at most); " +
	"when more follow, X-Next-Cursor (and Link) name where the next response starts. Concatenated, the responses " +
	"are the whole export, each row once, in order.";

const header = (description: string) => ({ description, schema: { type: "string" as const } });

function exportRoute<const P extends string>(kind: string, path: P, operationId: string, summary: string, row: string) {
	return declareRoute({
		method: "get",
		path,
		operationId,
		tag: "Exports",
		summary,
		description: exportDescription,
		request: { params: CampaignId, query: ExportQuery },
		queryProblem: QUERY_PROBLEM,
		responses: {
			200: {
				description: "The export, or this response's part of it, as an attachment.",
				headers: {
					"content-disposition": header(`attachment; filename="tapline-<campaign>-${kind}.<format>"`),
					"x-next-cursor": header(
						"Present when more rows follow this response: pass it as `cursor` to get them. Sent before the body.",
					),
					link: header(
						'The next response\'s URL, `<…?format=…&limit=…&cursor=…>; rel="next"`, when X-Next-Cursor is present.',
					),
				},
				content: {
					"text/csv": {
						schema: {
							type: "string",
							description: "RFC 4180 CSV; the first response (no cursor) starts with a header row, later ones do not.",
						},
					},
					"application/x-ndjson": {
						schema: {
							type: "string",
							description: `One JSON object per line, each a ${row}.`,
							"x-ndjson-item": { $ref: `#/components/schemas/${row}` },
						},
					},
				},
			},
		},
		errors: [400, 401, 404],
	});
}

/** Routes under /api/v1/campaigns/{id}/export. */
export const campaignExportRoutes = apiRouter();
registerSchema(campaignExportRoutes, "RecipientExportRow", RecipientExportLine);
registerSchema(campaignExportRoutes, "ClickExportRow", ClickExportLine);

campaignExportRoutes.openapi(
	exportRoute(
		"recipients",
		"/{id}/export/recipients",
		"exportRecipients",
		"One row per recipient, streamed",
		"RecipientExportRow",
	),
	async (c) => exportRecipients(c, c.req.valid("query")),
);
campaignExportRoutes.openapi(
	exportRoute(
		"clicks",
		"/{id}/export/clicks",
		"exportClicks",
		"Every raw click of the campaign, streamed",
		"ClickExportRow",
	),
	async (c) => exportClicks(c, c.req.valid("query")),
);
