import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import { EXPORT_READS } from "../../src/exports/queries";
import { campaignExportRoutes } from "../../src/exports/routes";
import type { AppEnv } from "../../src/http/app-env";
import { renderError } from "../../src/http/errors";
import { requireApiKey } from "../../src/workspaces/auth";
import { csvRecords } from "../support/csv";
import {
	deliver,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	requestCapturing,
	WHATSAPP,
} from "../support/helpers";
import { capturingQueue } from "../support/queues";

// Mounted as src/app.ts mounts it, so these tests need nothing from the app but the rest of the API (through helpers).
const testApp = new Hono<AppEnv>();
testApp.onError(renderError);
testApp.use("/api/v1/campaigns/*", requireApiKey());
testApp.route("/api/v1/campaigns", campaignExportRoutes);

function exportOf(
	key: string,
	campaignId: string,
	type: "recipients" | "clicks",
	format?: string,
	paging: { limit?: number | string; cursor?: string } = {},
) {
	const params = new URLSearchParams();
	if (format !== undefined) params.set("format", format);
	if (paging.limit !== undefined) params.set("limit", String(paging.limit));
	if (paging.cursor !== undefined) params.set("cursor", paging.cursor);
	const query = params.size === 0 ? "" : `?${params}`;
	return testApp.request(
		`https://tapline.test/api/v1/campaigns/${campaignId}/export/${type}${query}`,
		{ headers: { authorization: `Bearer ${key}` } },
		env,
	);
}

/** An export fetched `limit` rows a response, following X-Next-Cursor: each response's body and headers. */
async function pagedExport(
	key: string,
	campaignId: string,
	type: "recipients" | "clicks",
	format: string,
	limit: number,
): Promise<{ body: string; cursor: string | null; link: string | null }[]> {
	const pages: { body: string; cursor: string | null; link: string | null }[] = [];
	let cursor: string | undefined;
	do {
		const res = await exportOf(key, campaignId, type, format, { limit, cursor });
		expect(res.status, await res.clone().text()).toBe(200);
		const next = res.headers.get("x-next-cursor");
		pages.push({ body: await res.text(), cursor: next, link: res.headers.get("link") });
		cursor = next ?? undefined;
		expect(pages.length).toBeLessThan(100);
	} while (cursor);
	return pages;
}

/** Writes `n` clicks of a link straight to the table: as many redirects through the queue would only be slower. */
async function insertClicks(code: string | undefined, n: number, prefix: string): Promise<void> {
	const clickedAt = Date.now();
	const ids = Array.from({ length: n }, (_, i) => `clk_${prefix}_${String(i).padStart(5, "0")}`);
	await env.DB.batch(
		ids.map((id, i) =>
			env.DB.prepare(
				`INSERT INTO clicks (id, workspace_id, campaign_id, link_code, contact_id, clicked_at, human, counted)
				 SELECT ?1, workspace_id, campaign_id, code, contact_id, ?2, ?3, 1 FROM links WHERE code = ?4`,
			).bind(id, clickedAt, i % 3 === 0 ? 0 : 1, code),
		),
	);
}

async function tap(code: string, userAgent = IPHONE_SAFARI): Promise<string> {
	const { response, sent } = await requestCapturing<TapsEnvelope>(`/${code}`, { headers: { "user-agent": userAgent } });
	await deliver(sent);
	// The click id as queued: a bot's tap gets no tlid in its Location, but its click is still recorded.
	expect(response.status).toBe(302);
	return sent[0]?.taps[0]?.id ?? "";
}

/** Posts to the API with an events queue that keeps what it is sent, then hands that to the consumer. */
async function post(key: string, path: string, json: unknown): Promise<Response> {
	const events = capturingQueue();
	const ctx = createExecutionContext();
	const response = await app.fetch(
		new Request(`https://tapline.test${path}`, {
			method: "POST",
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			body: JSON.stringify(json),
		}),
		{ ...env, EVENTS: events },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	if (events.sent.length > 0) await deliver(events.bodies(), 3);
	return response;
}

describe("GET /api/v1/campaigns/:id/export/recipients", () => {
	it("should stream one CSV row per recipient with message, taps and purchases", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const [ada, bob, cyd] = await mint(key, campaignId, [
			{ phone: "+14155552671", variant: "A", externalId: '=HYPERLINK("http://evil")' },
			{ phone: "+14155552672", variant: "B", externalId: "acme, inc\nline two" },
			{ phone: "+14155552673" },
		]);
		if (!ada || !bob || !cyd) throw new Error("minting failed");
		expect(
			(await post(key, "/api/v1/messages/events", { phone: ada.phone, campaignId, status: "delivered" })).status,
		).toBe(202);
		const tlid = await tap(ada.code);
		await tap(bob.code, WHATSAPP);
		expect(
			(await post(key, "/api/v1/conversions", { orderId: "1001", value: 49.9, currency: "USD", tlid })).status,
		).toBe(202);

		const res = await exportOf(key, campaignId, "recipients");
		expect(res.status, await res.clone().text()).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
		expect(res.headers.get("content-disposition")).toBe(`attachment; filename="tapline-${campaignId}-recipients.csv"`);
		const text = await res.text();
		const rows = csvRecords(text);
		expect(rows).toHaveLength(3);
		const byCode = new Map(rows.map((r) => [r.code, r]));
		expect(byCode.get(ada.code)).toMatchObject({
			shortUrl: `https://tapline.test/${ada.code}`,
			phone: "+14155552671",
			// A cell a spreadsheet would run as a formula is defused; the E.164 phone is not touched.
			externalId: '\'=HYPERLINK("http://evil")',
			variant: "A",
			messageStatus: "delivered",
			humanClicks: "1",
			purchased: "true",
			revenue: "49.90 USD",
		});
		expect(byCode.get(ada.code)?.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(byCode.get(ada.code)?.firstTapAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(byCode.get(bob.code)).toMatchObject({
			externalId: "acme, inc\nline two",
			messageStatus: "",
			humanClicks: "0",
			firstTapAt: "",
			purchased: "false",
			revenue: "",
		});
		expect(byCode.get(cyd.code)).toMatchObject({ variant: "", phone: "+14155552673" });
	});

	it("should page through thousands of recipients across variants, each exactly once", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		// 1,000 without a variant is exactly one page: the page after it is empty and must move on cleanly.
		const recipients = Array.from({ length: 2500 }, (_, i) => ({
			phone: `+1415555${String(i).padStart(4, "0")}`,
			...(i < 1000 ? {} : { variant: i < 2200 ? "A" : "B" }),
		}));
		const links = await mint(key, campaignId, recipients);
		const res = await exportOf(key, campaignId, "recipients", "ndjson");
		expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
		const lines = (await res.text()).trimEnd().split("\n");
		const records = lines.map((line) => JSON.parse(line) as { code: string; variant: string | null });
		expect(records).toHaveLength(2500);
		expect(new Set(records.map((r) => r.code))).toEqual(new Set(links.map((l) => l.code)));
		expect(records.filter((r) => r.variant === "B")).toHaveLength(300);
	});

	it("should leave out the phone of an erased contact", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671", externalId: "cust-1" }]);
		const erased = await requestCapturing(`/api/v1/contacts/${link?.contactId}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${key}` },
		});
		expect(erased.response.status).toBe(200);
		const [record] = csvRecords(await (await exportOf(key, campaignId, "recipients")).text());
		expect(record).toMatchObject({ code: link?.code, phone: "", externalId: "" });
	});

	it("should answer 404 for another workspace's campaign and 400 for an unknown format", async () => {
		const { key } = await newWorkspace();
		const other = await newWorkspace("Other");
		const campaignId = await newCampaign(key);
		const foreign = await exportOf(other.key, campaignId, "recipients");
		expect(foreign.status).toBe(404);
		expect(await foreign.json()).toMatchObject({ error: { code: "not_found" } });
		const bad = await exportOf(key, campaignId, "clicks", "xlsx");
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
		const anonymous = await testApp.request(
			`https://tapline.test/api/v1/campaigns/${campaignId}/export/clicks`,
			{},
			env,
		);
		expect(anonymous.status).toBe(401);
	});

	it("should read each page through one index range, without a sort", async () => {
		const reads: [string, unknown[]][] = [
			[EXPORT_READS.RECIPIENTS_PAGE, ["cmp_x", null, 0, 10, 99]],
			[EXPORT_READS.FIRST_VARIANT, ["cmp_x"]],
			[EXPORT_READS.NEXT_VARIANT, ["cmp_x", "A"]],
			[EXPORT_READS.RECIPIENTS_END_FROM_NULL, ["cmp_x", null, 0, 10]],
			[EXPORT_READS.RECIPIENTS_END_FROM_VARIANT, ["cmp_x", "A", 0, 10]],
		];
		for (const [sql, params] of reads) {
			const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
				.bind(...params)
				.all<{
					detail: string;
				}>();
			const plan = results.map((r) => r.detail).join("\n");
			expect(plan).toMatch(/SEARCH l USING INDEX links_by_campaign_variant|SEARCH links USING COVERING INDEX/);
			expect(plan).not.toMatch(/^SCAN (l|links)\b/m);
			// The only sort left is the GROUP BY of one recipient's purchases by currency.
			expect(plan).not.toContain("TEMP B-TREE FOR ORDER BY");
		}
		for (const [sql, params] of [
			[EXPORT_READS.CLICKS_PAGE, ["cmp_x", "", 10, "clk_z"]],
			[EXPORT_READS.CLICKS_END, ["cmp_x", "", 10]],
		] as const) {
			const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
				.bind(...params)
				.all<{ detail: string }>();
			const plan = results.map((r) => r.detail).join("\n");
			expect(plan).toMatch(/SEARCH clicks USING (COVERING )?INDEX clicks_by_campaign \(campaign_id=\? AND id>\?/);
			expect(plan).not.toContain("TEMP B-TREE");
		}
	});
});

describe("GET /api/v1/campaigns/:id/export/clicks", () => {
	it("should stream every raw click of the campaign, humans and bots, and no other campaign's", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const otherCampaign = await newCampaign(key);
		const [ada] = await mint(key, campaignId, [{ phone: "+14155552671", variant: "A" }]);
		const [elsewhere] = await mint(key, otherCampaign, [{ phone: "+14155552671" }]);
		const human = await tap(ada?.code ?? "");
		const bot = await tap(ada?.code ?? "", WHATSAPP);
		await tap(elsewhere?.code ?? "");

		const csv = csvRecords(await (await exportOf(key, campaignId, "clicks")).text());
		expect(csv.map((r) => r.id).sort()).toEqual([human, bot].sort());
		expect(csv.find((r) => r.id === human)).toMatchObject({
			linkCode: ada?.code,
			variant: "A",
			human: "true",
			botReason: "",
			deviceType: "mobile",
			os: "iOS",
		});
		expect(csv.find((r) => r.id === bot)).toMatchObject({ human: "false", botReason: "preview" });

		const res = await exportOf(key, campaignId, "clicks", "ndjson");
		expect(res.headers.get("content-disposition")).toBe(`attachment; filename="tapline-${campaignId}-clicks.ndjson"`);
		const records = (await res.text())
			.trimEnd()
			.split("\n")
			.map((line) => JSON.parse(line) as { clickedAt: string; human: boolean });
		expect(records).toHaveLength(2);
		expect(records.every((r) => !Number.isNaN(Date.parse(r.clickedAt)))).toBe(true);
	});

	it("should page through more clicks than one page holds", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671" }]);
		await insertClicks(link?.code, 2100, "export");
		const lines = (await (await exportOf(key, campaignId, "clicks", "ndjson")).text()).trimEnd().split("\n");
		expect(lines).toHaveLength(2100);
		expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(2100);
	});
});

describe("paged exports (limit and cursor)", () => {
	/** A campaign with links without a variant and in three variants, some tapped, and clicks on several links. */
	async function campaignWithVariants(key: string): Promise<string> {
		const campaignId = await newCampaign(key);
		const variants = [undefined, "B", "A", undefined, "Ω", "A", "B", undefined, "A", "Ω", undefined];
		const links = await mint(
			key,
			campaignId,
			variants.map((variant, i) => ({
				phone: `+1415556${String(i).padStart(4, "0")}`,
				...(variant === undefined ? {} : { variant }),
			})),
		);
		await insertClicks(links[0]?.code, 4, `${campaignId}_a`);
		await insertClicks(links[4]?.code, 3, `${campaignId}_b`);
		return campaignId;
	}

	for (const type of ["recipients", "clicks"] as const) {
		for (const format of ["csv", "ndjson"]) {
			it(`should give the same ${type} ${format}, in the same order, one response or many`, async () => {
				const { key } = await newWorkspace();
				const campaignId = await campaignWithVariants(key);
				const whole = await exportOf(key, campaignId, type, format);
				expect(whole.headers.get("x-next-cursor")).toBeNull();
				expect(whole.headers.get("link")).toBeNull();
				const expected = await whole.text();
				expect(expected.split("\n").length).toBeGreaterThan(5);
				for (const limit of [1, 3, 4, 7]) {
					const pages = await pagedExport(key, campaignId, type, format, limit);
					expect(pages.map((p) => p.body).join("")).toBe(expected);
					expect(pages.at(-1)?.cursor).toBeNull();
					for (const page of pages.slice(0, -1)) {
						const rows = page.body.split("\n").filter(Boolean).length;
						// Only the first CSV response carries the header row.
						expect(rows).toBe(limit + (format === "csv" && page === pages[0] ? 1 : 0));
						const link = new URL(page.link?.match(/^<(.+)>; rel="next"$/)?.[1] ?? "https://x.test");
						expect(link.pathname).toBe(`/api/v1/campaigns/${campaignId}/export/${type}`);
						expect(Object.fromEntries(link.searchParams)).toEqual({
							format,
							limit: String(limit),
							cursor: page.cursor,
						});
					}
				}
			});
		}
	}

	it("should end a response that reaches the last row exactly without a cursor, and answer an empty campaign", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const empty = await exportOf(key, campaignId, "recipients", "csv", { limit: 3 });
		expect(empty.headers.get("x-next-cursor")).toBeNull();
		expect(csvRecords(await empty.text())).toEqual([]);
		await mint(key, campaignId, [{ phone: "+14155557001" }, { phone: "+14155557002", variant: "A" }]);
		const exact = await exportOf(key, campaignId, "recipients", "ndjson", { limit: 2 });
		expect(exact.headers.get("x-next-cursor")).toBeNull();
		expect((await exact.text()).trimEnd().split("\n")).toHaveLength(2);
	});

	it("should refuse a bad limit or cursor with 400 bad_request", async () => {
		const { key } = await newWorkspace();
		const campaignId = await campaignWithVariants(key);
		const clicksCursor = (await exportOf(key, campaignId, "clicks", "csv", { limit: 1 })).headers.get("x-next-cursor");
		expect(clicksCursor).not.toBeNull();
		const bad: { limit?: number | string; cursor?: string }[] = [
			{ limit: 0 },
			{ limit: 1_000_001 },
			{ limit: 2.5 },
			{ limit: "ten" },
			{ limit: "" },
			{ cursor: "not a cursor" },
			{ cursor: btoa('["r","cmp_x"]') },
			{ cursor: "x".repeat(600) },
			// A clicks cursor is no recipients position.
			{ cursor: clicksCursor ?? "" },
		];
		for (const paging of bad) {
			const res = await exportOf(key, campaignId, "recipients", "csv", paging);
			expect(res.status, JSON.stringify(paging)).toBe(400);
			expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
		}
	});

	it("should refuse a cursor of another campaign, and another workspace's campaign whatever the cursor", async () => {
		const { key } = await newWorkspace();
		const other = await newWorkspace("Other");
		const campaignA = await campaignWithVariants(key);
		const campaignB = await campaignWithVariants(key);
		for (const type of ["recipients", "clicks"] as const) {
			const cursor = (await exportOf(key, campaignA, type, "ndjson", { limit: 2 })).headers.get("x-next-cursor");
			expect(cursor).not.toBeNull();
			const crossed = await exportOf(key, campaignB, type, "ndjson", { limit: 2, cursor: cursor ?? "" });
			expect(crossed.status).toBe(400);
			expect(await crossed.json()).toMatchObject({ error: { code: "bad_request" } });
			const foreign = await exportOf(other.key, campaignA, type, "ndjson", { limit: 2, cursor: cursor ?? "" });
			expect(foreign.status).toBe(404);
			expect(await foreign.json()).toMatchObject({ error: { code: "not_found" } });
		}
	});

	it("should page across more rows than one D1 page holds, in one variant", async () => {
		const { key } = await newWorkspace();
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671" }]);
		await insertClicks(link?.code, 12_000, "many");
		const whole = await (await exportOf(key, campaignId, "clicks", "ndjson")).text();
		const pages = await pagedExport(key, campaignId, "clicks", "ndjson", 5_500);
		expect(pages).toHaveLength(3);
		expect(pages.map((p) => p.body).join("")).toBe(whole);
		expect(whole.trimEnd().split("\n")).toHaveLength(12_000);
	});
});
