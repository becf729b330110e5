import { Hono } from "hono";
import { campaignFromPath } from "../campaigns/from-path";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { publicOrigin } from "../http/public-origin";
import { fromMinor, minorDigits } from "../purchases/money";
import { type Cell, csvLine } from "./csv";
import {
	type ClickExportRow,
	EXPORT_PAGE_SIZE,
	findNextVariant,
	type RecipientCursor,
	type RecipientRow,
	readClicksPage,
	readRecipientsPage,
} from "./queries";

type Format = "csv" | "ndjson";
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
		},
	});
}

function readFormat(raw: string | undefined): Format {
	if (raw === undefined || raw === "csv") return "csv";
	if (raw === "ndjson") return "ndjson";
	throw new ApiError("bad_request", "format must be csv or ndjson.");
}

/** Routes under /api/v1/campaigns/:id/export. */
export const campaignExportRoutes = new Hono<AppEnv>();

campaignExportRoutes.get("/:id/export/recipients", async (c) => {
	const format = readFormat(c.req.query("format"));
	const campaign = await campaignFromPath(c);
	const db = c.env.DB;
	const origin = publicOrigin(c.env, c.req.url);
	let cursor: RecipientCursor | undefined = { variant: null, afterRowid: 0 };
	return streamedResponse(
		format,
		`tapline-${campaign.id}-recipients`,
		format === "csv" ? csvLine(RECIPIENT_COLUMNS) : "",
		async () => {
			while (cursor) {
				const rows = await readRecipientsPage(db, campaign.id, cursor);
				const last = rows.at(-1);
				if (last && rows.length === EXPORT_PAGE_SIZE) {
					cursor = { variant: cursor.variant, afterRowid: last.rid };
				} else {
					const next = await findNextVariant(db, campaign.id, cursor.variant);
					cursor = next === undefined ? undefined : { variant: next, afterRowid: 0 };
				}
				// A variant with nothing left moves on at once rather than hand the client an empty chunk.
				if (rows.length > 0) {
					const text = rows
						.map((row) => encodeRecord(format, RECIPIENT_COLUMNS, recipientRecord(row, origin)))
						.join("");
					return { text, done: cursor === undefined };
				}
			}
			return { text: "", done: true };
		},
	);
});

campaignExportRoutes.get("/:id/export/clicks", async (c) => {
	const format = readFormat(c.req.query("format"));
	const campaign = await campaignFromPath(c);
	const db = c.env.DB;
	let afterId = "";
	return streamedResponse(
		format,
		`tapline-${campaign.id}-clicks`,
		format === "csv" ? csvLine(CLICK_COLUMNS) : "",
		async () => {
			const rows = await readClicksPage(db, campaign.id, afterId);
			afterId = rows.at(-1)?.id ?? afterId;
			const text = rows.map((row) => encodeRecord(format, CLICK_COLUMNS, clickRecord(row))).join("");
			return { text, done: rows.length < EXPORT_PAGE_SIZE };
		},
	);
});
