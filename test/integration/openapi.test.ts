import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { dereference, type Schema, validate } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { app, buildOpenApiDocument } from "../../src/app";
import { createTaplineClient } from "../../src/client";
import { keepDeadLetters } from "../../src/dead-letters/consume";
import { runFollowUps } from "../../src/follow-ups/run";
import type { OpenApiDocument } from "../../src/openapi/document";
import { twilioSignature } from "../../src/twilio/signature";
import { ADMIN_TOKEN, deliver, hmacOf, IPHONE_SAFARI } from "../support/helpers";
import { capturingQueue } from "../support/queues";

// The contract test: every documented operation is called for real, and each answer (status, content type and
// body) is checked against the document the Worker serves, so the document is proven, not just written.

type Json = { [key: string]: unknown };
type Method = "get" | "post" | "put" | "patch" | "delete";

const ORIGIN = "https://tapline.test";
const BASE = new URL(`${ORIGIN}/api/v1/openapi.json`);
const PUBLIC_URL = "https://tap.example";
const TWILIO_TOKEN = "openapi-test-auth-token";

let doc: OpenApiDocument;
/** A copy of the document whose schemas the validator has indexed (it annotates them in place). */
let indexed: OpenApiDocument;
let lookup: Record<string, Schema>;
/** "get /api/v1/campaigns 200": every (operation, status) a real response was checked for. */
const checked = new Set<string>();

/** A request through the app with queues that record what it sends; `events` can then be delivered. */
async function request(
	path: string,
	init: RequestInit & { key?: string; json?: unknown; env?: Record<string, unknown> } = {},
): Promise<{ response: Response; events: unknown[] }> {
	const { key, json, env: extra, ...rest } = init;
	const headers = new Headers(rest.headers);
	if (key) headers.set("authorization", `Bearer ${key}`);
	if (json !== undefined) headers.set("content-type", "application/json");
	const events = capturingQueue();
	const ctx = createExecutionContext();
	const response = await app.fetch(
		new Request(`${ORIGIN}${path}`, {
			...rest,
			method: rest.method ?? (json === undefined ? "GET" : "POST"),
			headers,
			body: json === undefined ? rest.body : JSON.stringify(json),
			redirect: "manual",
		}),
		{ ...env, EVENTS: events, SENDS: capturingQueue(), ...extra },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return { response, events: events.bodies() };
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function schemaAt(...parts: string[]): Schema {
	let node: unknown = indexed;
	for (const part of parts) node = (node as Json | undefined)?.[part];
	if (!node) throw new Error(`not in the document: ${parts.join(" ")}`);
	return node as Schema;
}

function expectValid(instance: unknown, schema: Schema, where: string): void {
	const result = validate(instance, schema, "2020-12", lookup, false);
	// Soft: one run lists every drift, not just the first.
	const problems = result.errors.map((e) => `${e.instanceLocation} ${e.keyword}: ${e.error}`).slice(0, 8);
	expect.soft(problems, `${where}\n${JSON.stringify(instance).slice(0, 500)}`).toEqual([]);
}

/** Checks a real response against the documented response of `method path` for its status. */
async function expectDocumented(response: Response, method: Method, path: string): Promise<string> {
	const where = `${method.toUpperCase()} ${path} → ${response.status}`;
	const documented = (schemaAt("paths", path, method, "responses") as Json)[String(response.status)] as
		| { content?: Record<string, { schema: Schema }> }
		| undefined;
	expect(documented, `${where} is not documented`).toBeDefined();
	// Decoded by hand: workerd warns when .text() reads a body whose type is not text (GIF, NDJSON).
	const text = new TextDecoder().decode(await response.arrayBuffer());
	checked.add(`${method} ${path} ${response.status}`);
	if (!documented?.content) {
		if (response.status !== 503) expect(text, `${where} has a body`).toBe("");
		return text;
	}
	const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
	const media = documented.content[type];
	expect(media, `${where}: content type ${type} is not documented`).toBeDefined();
	const schema = media?.schema as Schema & { "x-ndjson-item"?: Schema };
	if (type === "application/json") {
		expectValid(JSON.parse(text), schema, where);
	} else if (type === "application/x-ndjson") {
		const item = schema["x-ndjson-item"] as Schema;
		const lines = text.split("\n").filter(Boolean);
		expect(lines.length, `${where}: no rows to check`).toBeGreaterThan(0);
		for (const line of lines) expectValid(JSON.parse(line), item, where);
	} else if (type === "text/csv") {
		// The CSV columns are the NDJSON row's fields, in order.
		const item = schemaAt("paths", path, method, "responses", "200", "content", "application/x-ndjson", "schema");
		const row = (item as Json)["x-ndjson-item"] as { $ref: string };
		const name = row.$ref.split("/").pop() ?? "";
		const columns = Object.keys(schemaAt("components", "schemas", name, "properties") as Json);
		expect(text.split("\r\n")[0]).toBe(columns.join(","));
	}
	return text;
}

async function call(
	method: Method,
	path: string,
	concretePath: string,
	init: Parameters<typeof request>[1] = {},
): Promise<{ text: string; body: Json; events: unknown[] }> {
	const { response, events } = await request(concretePath, { ...init, method: method.toUpperCase() });
	const text = await expectDocumented(response, method, path);
	const body = (response.headers.get("content-type") ?? "").includes("application/json") ? JSON.parse(text) : {};
	return { text, body, events };
}

const hmacSha256 = (secret: string, body: string) => hmacOf(secret, body, "SHA-256", "base64");

beforeAll(async () => {
	const { response } = await request("/api/v1/openapi.json");
	expect(response.status).toBe(200);
	doc = await response.json<OpenApiDocument>();
	// Resolve "#/components/schemas/…" against the served document, as a client would.
	indexed = structuredClone(doc);
	lookup = Object.create(null);
	for (const [name, schema] of Object.entries(indexed.components.schemas)) {
		dereference(schema as Schema, lookup, BASE, `/components/schemas/${pointer(name)}`);
	}
	for (const [path, item] of Object.entries(indexed.paths)) {
		for (const [method, op] of Object.entries(item)) {
			for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
				for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Json>)) {
					const at = `/paths/${pointer(path)}/${method}/responses/${status}/content/${pointer(type)}/schema`;
					dereference(media.schema as Schema, lookup, BASE, at);
					const item = (media.schema as Json)["x-ndjson-item"];
					if (item) dereference(item as Schema, lookup, BASE, `${at}/x-ndjson-item`);
				}
			}
		}
	}
});

describe("the OpenAPI document", () => {
	it("should be an OpenAPI 3.1 document whose references all resolve", () => {
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
		expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(
			["adminToken", "apiKey", "shopifyHmac", "twilioSignature"].sort(),
		);
		const operationIds = new Set<string>();
		for (const [path, item] of Object.entries(doc.paths)) {
			expect(path).toMatch(/^\//);
			for (const [method, op] of Object.entries(item)) {
				expect(["get", "post", "put", "patch", "delete"]).toContain(method);
				expect(operationIds.has(op.operationId as string), `${op.operationId} twice`).toBe(false);
				operationIds.add(op.operationId as string);
				expect(Object.keys(op.responses as Json).length).toBeGreaterThan(0);
				for (const scheme of (op.security as Json[]).flatMap((s) => Object.keys(s))) {
					expect(doc.components.securitySchemes).toHaveProperty(scheme);
				}
				// Every {param} of the path is declared, and nothing else is declared in the path.
				const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
				const declared = ((op.parameters ?? []) as Json[])
					.filter((p) => p.in === "path")
					.map((p) => p.name)
					.sort();
				expect(declared, `${method} ${path}`).toEqual(inPath);
			}
		}
		for (const [, target] of JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)) {
			const name = target?.replace("#/components/schemas/", "") ?? "";
			expect(doc.components.schemas, `unresolved ${target}`).toHaveProperty(name);
		}
	});

	it("should be the document built from the code", () => {
		expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
	});

	it("should document every route the app serves, and serve every documented operation", () => {
		const served = new Set(
			app.routes
				// The dashboard is pages for a browser with a session cookie, not API: it is not in the contract.
				.filter((r) => r.method !== "ALL" && !r.path.startsWith("/dashboard"))
				.map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([^/]+)/g, "{$1}")}`),
		);
		const documented = new Set(
			Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)),
		);
		expect(
			[...served].filter((r) => !documented.has(r)),
			"served but not documented",
		).toEqual([]);
		expect(
			[...documented].filter((r) => !served.has(r)),
			"documented but not served",
		).toEqual([]);
	});

	it("should be shown as a self-contained page at /docs", async () => {
		const { text } = await call("get", "/docs", "/docs");
		expect(text).toContain("Tapline API");
		expect(text).toContain("/api/v1/campaigns/{id}/links");
		// The outbound webhooks, with their payload schemas and how to verify them.
		expect(text).toContain("(your endpoint) — contact.opted_out");
		expect(text).toContain('<a href="#schema-ContactOptedOutEvent">ContactOptedOutEvent</a>');
		expect(text).toContain("webhook-signature");
		expect(text).toContain('name="viewport"');
		// Nothing is loaded from anywhere: no script, no stylesheet link, no image, no external URL but the spec's.
		expect(text).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
		expect(text.match(/(?:src|href)="(?!#|\/api\/v1\/openapi\.json)[^"]*"/g) ?? []).toEqual([]);
	});
});

describe("every documented operation, called for real", () => {
	it("should answer as documented, for success and error statuses", async () => {
		const W = "/api/v1/workspaces";
		await call("post", W, W, { key: "wrong", json: { name: "Acme" } });
		await call("post", W, W, { key: ADMIN_TOKEN, json: { name: "" } });
		const created = await call("post", W, W, { key: ADMIN_TOKEN, json: { name: "Contract" } });
		const key = created.body.apiKey as string;
		const workspaceId = (created.body.workspace as Json).id as string;

		await call("get", "/api/v1/workspace", "/api/v1/workspace", { key });
		await call("get", "/api/v1/workspace", "/api/v1/workspace");
		const ws = "/api/v1/workspace";
		await call("patch", ws, ws, { key, json: { attributionWindowDays: 14, helpText: "Acme deals." } });
		await call("patch", ws, ws, { key, json: { attributionWindowDays: 5 } });

		const C = "/api/v1/campaigns";
		await call("post", C, C, { key, json: { name: "x", stage: "nope", destinationUrl: "javascript:alert(1)" } });
		const campaign = await call("post", C, C, {
			key,
			json: { name: "Spring Sale", stage: "consideration", destinationUrl: "https://shop.example/sale" },
		});
		const id = (campaign.body.campaign as Json).id as string;
		await call("get", C, `${C}?limit=10`, { key });
		await call("get", C, `${C}?limit=0`, { key });
		const one = `${C}/{id}`;
		await call("get", one, `${C}/${id}`, { key });
		await call("get", one, `${C}/cmp_missing`, { key });
		await call("patch", one, `${C}/${id}`, {
			key,
			json: { utm: { term: "spring", content: null }, followUp: { enabled: true, message: "Still deciding? {link}" } },
		});
		await call("patch", one, `${C}/${id}`, { key, json: {} });

		const mintPath = `${C}/{id}/links`;
		await call("post", mintPath, `${C}/${id}/links`, { key, json: { recipients: [{ phone: "nope" }] } });
		const minted = await call("post", mintPath, `${C}/${id}/links`, {
			key,
			json: {
				recipients: [
					{ phone: "+1 415 555 2671", variant: "A", firstName: "Ada" },
					{ phone: "+1 415 555 2672", variant: "B" },
					{ phone: "+1 415 555 2673" },
				],
			},
		});
		const links = minted.body.links as { code: string; contactId: string; phone: string }[];
		const [ada, bob, cy] = links as [(typeof links)[0], (typeof links)[0], (typeof links)[0]];

		// Taps, delivered to the consumer so that the stats and exports below have rows to check.
		const tap = await call("get", "/{code}", `/${ada.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await call("get", "/{code}", "/zzzzzzz");
		expect(tap.events).toHaveLength(1);
		await deliver(tap.events);
		const location = (await request(`/${ada.code}`, { headers: { "user-agent": IPHONE_SAFARI } })).response;
		const tlid = new URL(location.headers.get("location") ?? "").searchParams.get("tlid") ?? "";

		const L = "/api/v1/links/{code}";
		await call("get", L, `/api/v1/links/${ada.code}`, { key });
		await call("get", L, "/api/v1/links/zzzzzzz", { key });

		const S = `${C}/{id}/send`;
		const message = "Hi {firstName|there}, 20% off: {link} Reply STOP to opt out";
		const recipients = [{ phone: ada.phone, firstName: "Ada" }, { phone: bob.phone }, { phone: "nope" }];
		await call("post", S, `${C}/${id}/send`, { key, json: { recipients, message, dryRun: true } });
		await call("post", S, `${C}/${id}/send`, { key, json: { recipients, message } });
		await call("post", S, `${C}/${id}/send`, { key, json: { recipients, message: "no link here {oops}" } });

		const M = "/api/v1/messages";
		const listed = await call("get", M, `${M}?campaignId=${id}&limit=1`, { key });
		await call("get", M, `${M}?limit=9999`, { key });
		const messageId = ((listed.body.messages as Json[])[0] as Json).id as string;
		expect(listed.body.nextCursor).toEqual(expect.any(String));
		const E = "/api/v1/messages/events";
		const reported = await call("post", E, E, { key, json: { messageId, status: "delivered" } });
		await call("post", E, E, { key, json: { events: [{ messageId, status: "teleported" }] } });
		await deliver(reported.events);
		// A day on, Ada (who tapped and has not bought yet) is due her follow-up: the listing and stats have one to show.
		const due = await runFollowUps({ ...env, SENDS: capturingQueue() }, Date.now() + 25 * 3_600_000);
		expect(due.queued).toBe(1);

		const P = "/api/v1/conversions";
		const bought = await call("post", P, P, { key, json: { orderId: "1001", value: 49.9, currency: "usd", tlid } });
		await call("post", P, P, { key, json: { orderId: "1002", value: 10, currency: "USD" } });
		await deliver(bought.events);

		await call("get", `${C}/{id}/stats`, `${C}/${id}/stats`, { key });
		await call("get", `${C}/{id}/stats`, `${C}/cmp_missing/stats`, { key });
		const F = `${C}/{id}/follow-ups`;
		const followUps = await call("get", F, `${C}/${id}/follow-ups?status=sent&limit=10`, { key });
		expect(followUps.body.followUps).toMatchObject([{ contactId: ada.contactId, message: { status: "pending" } }]);
		await call("get", F, `${C}/${id}/follow-ups?reason=bored`, { key });
		await call("get", F, `${C}/cmp_missing/follow-ups`, { key });
		await call("get", "/api/v1/journey", "/api/v1/journey", { key });
		await call("get", "/api/v1/journey", "/api/v1/journey");

		for (const kind of ["recipients", "clicks"]) {
			const X = `${C}/{id}/export/${kind}`;
			await call("get", X, `${C}/${id}/export/${kind}`, { key });
			await call("get", X, `${C}/${id}/export/${kind}?format=ndjson`, { key });
			await call("get", X, `${C}/${id}/export/${kind}?format=xml`, { key });
			const first = (await request(`${C}/${id}/export/${kind}?format=ndjson&limit=1`, { key })).response;
			const cursor = first.headers.get("x-next-cursor");
			await first.body?.cancel();
			if (cursor) {
				const next = `${C}/${id}/export/${kind}?format=ndjson&limit=1&cursor=${encodeURIComponent(cursor)}`;
				await call("get", X, next, { key });
			}
			await call("get", X, `${C}/${id}/export/${kind}?cursor=nope`, { key });
		}

		const K = "/api/v1/contacts";
		await call("get", K, `${K}?phone=${encodeURIComponent(ada.phone)}`, { key });
		await call("get", K, K, { key });
		await call("get", `${K}/{id}`, `${K}/${ada.contactId}`, { key });
		await call("get", `${K}/{id}`, `${K}/ct_missing`, { key });
		await call("delete", K, `${K}?phone=${encodeURIComponent(bob.phone)}`, { key });
		await call("delete", K, `${K}?phone=not-a-phone`, { key });
		await call("delete", `${K}/{id}`, `${K}/${cy.contactId}`, { key });
		await call("delete", `${K}/{id}`, `${K}/${cy.contactId}`, { key });
		await call("post", `${K}/search`, `${K}/search`, { key, json: { phone: ada.phone } });
		await call("post", `${K}/search`, `${K}/search`, { key, json: { phone: "nope" } });
		await call("post", `${K}/{id}/opt-out`, `${K}/${ada.contactId}/opt-out`, { key });
		await call("post", `${K}/{id}/opt-out`, `${K}/ct_missing/opt-out`, { key });
		const dee = "+14155550188";
		await request(`${C}/${id}/links`, { key, json: { recipients: [{ phone: dee }] } });
		await call("post", `${K}/erase`, `${K}/erase`, { key, json: { phone: dee } });
		await call("post", `${K}/erase`, `${K}/erase`, { key, json: { phone: dee } });

		await call("delete", L, `/api/v1/links/${ada.code}`, { key });
		await call("delete", L, `/api/v1/links/${ada.code}`, { key });

		const I = "/api/v1/integrations/shopify";
		const secret = `shpss_contract_${crypto.randomUUID()}`;
		const shopDomain = "contract-shop.myshopify.com";
		await call("put", I, I, { key, json: { secret, shopDomain } });
		const other = await request(W, { key: ADMIN_TOKEN, json: { name: "Other" } });
		const otherKey = (await other.response.json<{ apiKey: string }>()).apiKey;
		await call("put", I, I, { key: otherKey, json: { secret, shopDomain: "other.myshopify.com" } });
		await call("put", I, I, { key, json: { secret: "short", shopDomain: "shop.example" } });

		const AK = "/api/v1/api-keys";
		await call("post", AK, AK, { key, json: { name: "shop", scopes: ["nope"] } });
		const apiKey = await call("post", AK, AK, { key, json: { name: "shop", scopes: ["conversions:write"] } });
		await call("get", AK, AK, { key });
		await call("get", AK, AK, { key: apiKey.body.apiKey as string });
		await call("delete", `${AK}/{id}`, `${AK}/${apiKey.body.id as string}`, { key });
		await call("delete", `${AK}/{id}`, `${AK}/key_missing`, { key });

		const O = "/api/v1/webhook-endpoints";
		await call("post", O, O, { key, json: { url: "https://localhost./hook" } });
		const endpoint = await call("post", O, O, {
			key,
			json: { url: "https://example.com/hook", events: ["link.clicked"] },
		});
		await call("get", O, O, { key });
		await call("get", O, O);
		const endpointId = (endpoint.body.endpoint as Json).id as string;
		await env.DB.prepare(
			`INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, message_id, attempt, event_id, event_type,
			   payload, status, ok, error, duration_ms, attempted_at)
			 VALUES ('whd_contract', ?1, ?2, 'm-contract', 1, 'e1', 'link.clicked', ?3, 500, 0, 'HTTP 500', 12, 1)`,
		)
			.bind(
				endpointId,
				workspaceId,
				JSON.stringify({
					id: "e1",
					type: "link.clicked",
					createdAt: "2026-11-27T10:00:00.000Z",
					workspaceId,
					data: {},
				}),
			)
			.run();
		await call("get", `${O}/{id}/deliveries`, `${O}/${endpointId}/deliveries`, { key });
		await call("get", `${O}/{id}/deliveries`, `${O}/${endpointId}/deliveries?limit=0`, { key });
		const R = `${O}/{id}/deliveries/{deliveryId}/redeliver`;
		const webhooks = { env: { WEBHOOKS: capturingQueue() } };
		await call("post", R, `${O}/${endpointId}/deliveries/whd_contract/redeliver`, { key, ...webhooks });
		await call("post", R, `${O}/${endpointId}/deliveries/whd_nope/redeliver`, { key, ...webhooks });

		await keepDeadLetters(
			createMessageBatch<unknown>("tapline-events-dlq", [
				{ id: "dl-contract", timestamp: new Date(), attempts: 1, body: { v: 1, type: "purchase", workspaceId } },
				{ id: "dl-contract-none", timestamp: new Date(), attempts: 1, body: { v: 9 } },
			]),
			env,
			"tapline-events",
		);
		for (const [D, credential, id] of [
			["/api/v1/dead-letters", key, "dl-contract"],
			["/api/v1/admin/dead-letters", ADMIN_TOKEN, "dl-contract-none"],
		] as const) {
			await call("get", D, D, { key: credential });
			await call("get", D, `${D}?status=lost`, { key: credential });
			await call("post", `${D}/{id}/replay`, `${D}/${id}/replay`, { key: credential });
			await call("post", `${D}/{id}/replay`, `${D}/dl-nope/replay`, { key: credential });
			await call("delete", `${D}/{id}`, `${D}/${id}`, { key: credential });
			await call("delete", `${D}/{id}`, `${D}/${id}`, { key: credential });
		}
		await call("delete", `${O}/{id}`, `${O}/${endpointId}`, { key });
		await call("delete", `${O}/{id}`, `${O}/${endpointId}`, { key });

		const H = "/api/v1/webhooks/shopify/{workspaceId}/orders";
		const order = JSON.stringify({ id: 5001, total_price: "79.00", currency: "USD", landing_site: `/?tlid=${tlid}` });
		const shopify = (hmac: string) => ({
			method: "POST",
			body: order,
			headers: {
				"content-type": "application/json",
				"x-shopify-topic": "orders/create",
				"x-shopify-shop-domain": shopDomain,
				"x-shopify-hmac-sha256": hmac,
			},
		});
		const hooked = `/api/v1/webhooks/shopify/${workspaceId}/orders`;
		await call("post", H, hooked, shopify(await hmacSha256(secret, order)));
		await call("post", H, hooked, shopify(await hmacSha256("another-secret", order)));

		const twilio = { TWILIO_AUTH_TOKEN: TWILIO_TOKEN, PUBLIC_URL };
		const form = async (path: string, params: Record<string, string>, signature?: string) => ({
			method: "POST",
			body: new URLSearchParams(params).toString(),
			env: twilio,
			headers: {
				"content-type": "application/x-www-form-urlencoded",
				"x-twilio-signature":
					signature ?? (await twilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${path}`, new URLSearchParams(params))),
			},
		});
		const T = "/api/v1/webhooks/twilio/status";
		const receipt = { MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered" };
		await call("post", T, `${T}?messageId=${messageId}`, await form(`${T}?messageId=${messageId}`, receipt));
		await call("post", T, T, await form(T, receipt, "d3Jvbmc="));
		const N = "/api/v1/webhooks/twilio/inbound";
		const inbound = await call("post", N, N, await form(N, { From: cy.phone, Body: "HELP", MessageSid: "SMx" }));
		expect(inbound.text).toContain("<Response>");
		await call("post", N, N, await form(N, { From: cy.phone, Body: "STOP" }, "d3Jvbmc="));

		await call("get", "/api/v1/openapi.json", "/api/v1/openapi.json");
		await call("get", "/", "/");
		await call("get", "/robots.txt", "/robots.txt");
		await call("get", "/t.js", "/t.js");
		await call("get", "/p.gif", `/p.gif?workspace=${workspaceId}&orderId=1003&value=5&currency=USD&tlid=${tlid}`);
	});

	it("should have checked each operation's success status and, where it documents any, an error status", () => {
		const missing: string[] = [];
		for (const [path, item] of Object.entries(doc.paths)) {
			for (const [method, op] of Object.entries(item)) {
				const statuses = Object.keys(op.responses as Json);
				const success = statuses.filter((s) => s.startsWith("2") || s === "302");
				const errors = statuses.filter((s) => !success.includes(s));
				if (!success.some((s) => checked.has(`${method} ${path} ${s}`))) missing.push(`${method} ${path} success`);
				if (errors.length > 0 && !errors.some((s) => checked.has(`${method} ${path} ${s}`))) {
					missing.push(`${method} ${path} error`);
				}
			}
		}
		expect(missing).toEqual([]);
	});
});

describe("the typed client", () => {
	it("should create, mint and read through the API with the document's types", async () => {
		const fetch = async (input: Request) => {
			const ctx = createExecutionContext();
			const response = await app.fetch(input, env, ctx);
			await waitOnExecutionContext(ctx);
			return response;
		};
		const admin = createTaplineClient({ baseUrl: ORIGIN, apiKey: ADMIN_TOKEN, fetch });
		const created = await admin.POST("/api/v1/workspaces", { body: { name: "Typed" } });
		const tapline = createTaplineClient({ baseUrl: ORIGIN, apiKey: created.data?.apiKey, fetch });

		const { data: made } = await tapline.POST("/api/v1/campaigns", {
			body: { name: "Spring Sale", stage: "consideration", destinationUrl: "https://shop.example/sale" },
		});
		const id = made?.campaign.id ?? "";
		const { data: minted } = await tapline.POST("/api/v1/campaigns/{id}/links", {
			params: { path: { id } },
			body: { recipients: [{ phone: "+1 415 555 2671", variant: "A" }] },
		});
		expect(minted?.links[0]).toMatchObject({ phone: "+14155552671", variant: "A", created: true });
		const { data: stats } = await tapline.GET("/api/v1/campaigns/{id}/stats", { params: { path: { id } } });
		expect(stats?.links).toBe(1);
		const { error, response } = await tapline.GET("/api/v1/campaigns/{id}", { params: { path: { id: "cmp_nope" } } });
		expect(response.status).toBe(404);
		expect(error?.error.code).toBe("not_found");
	});
});
