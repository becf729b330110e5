import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { dereference, type Schema, validate } from "@cfworker/json-schema";
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it } from "vitest";
import { app, buildOpenApiDocument } from "../../src/app";
import { consumeEvents } from "../../src/consumers";
import { deliverWebhooks } from "../../src/outbound-webhooks/consume";
import { forgetEndpoints } from "../../src/outbound-webhooks/emit";
import type { DeliveryEnvelope } from "../../src/outbound-webhooks/events";
import { call, IPHONE_SAFARI, mint, newCampaign, newWorkspace, tapCapturing, WHATSAPP } from "../support/helpers";
import { capturingQueue, refusingQueue } from "../support/queues";
import { inboundMessage, newTwilioAccount, twilioEnv, webhookRequest } from "../support/twilio";

const receiverUrl = inject("receiverUrl");
let sequence = 0;

interface Received {
	method: string;
	headers: Record<string, string>;
	body: string;
}

async function received(path: string): Promise<Received[]> {
	return (await fetch(`${receiverUrl}/__receiver/requests${path}`)).json();
}

async function script(path: string, statuses: number[]): Promise<void> {
	await fetch(`${receiverUrl}/__receiver/script${path}`, { method: "POST", body: JSON.stringify(statuses) });
}

async function addEndpoint(key: string, json: unknown) {
	const res = await call("/api/v1/webhook-endpoints", { method: "POST", key, json });
	return { status: res.status, body: await res.json<{ endpoint: { id: string }; secret: string; error?: unknown }>() };
}

/** Runs bodies through the events consumer with a webhooks queue that records the deliveries it is given. */
async function consume(bodies: unknown[]) {
	const webhooks = capturingQueue();
	const batch = createMessageBatch<unknown>(
		"tapline-events",
		bodies.map((body) => ({ id: `wh-${++sequence}`, timestamp: new Date(), attempts: 1, body })),
	);
	const ctx = createExecutionContext();
	await consumeEvents(batch, { ...env, WEBHOOKS: webhooks });
	await getQueueResult(batch, ctx);
	const deliveries = webhooks.bodies() as DeliveryEnvelope[];
	// Every event the consumer emits is in the shape the OpenAPI document publishes.
	for (const { event } of deliveries) expectDocumented(event);
	return deliveries;
}

async function deliverAll(deliveries: unknown[], attempts = 1) {
	const batch = createMessageBatch<unknown>(
		"tapline-webhooks",
		deliveries.map((body) => ({ id: `d-${++sequence}`, timestamp: new Date(), attempts, body })),
	);
	const ctx = createExecutionContext();
	await deliverWebhooks(batch, env);
	return getQueueResult(batch, ctx);
}

/** A path of the receiver no other test uses. */
const uniquePath = (name: string) => `/${name}-${crypto.randomUUID().slice(0, 8)}`;

/** The app under other settings than the tests' (which allow http and loopback, as `npm run dev` does). */
async function callWith(overrides: Partial<Env>, path: string, init: { method?: string; key: string; json?: unknown }) {
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`https://tapline.test${path}`, {
			method: init.method ?? "GET",
			headers: {
				authorization: `Bearer ${init.key}`,
				...(init.json === undefined ? {} : { "content-type": "application/json" }),
			},
			body: init.json === undefined ? undefined : JSON.stringify(init.json),
		}),
		{ ...env, ...overrides },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return res;
}

const DEPLOYED = { WEBHOOK_ALLOW_HTTP: "false", WEBHOOK_ALLOW_PRIVATE_HOSTS: "false" };

/** Verifies a received request with the reference Standard Webhooks package, as a receiver would. */
function verified(secret: string, request: Received | undefined): unknown {
	return new Webhook(secret).verify(request?.body ?? "", request?.headers ?? {});
}

// The payload schemas the OpenAPI document publishes under `webhooks`, resolved as a client would resolve them.
const documented = (() => {
	const doc = structuredClone(buildOpenApiDocument());
	const base = new URL("https://tapline.test/api/v1/openapi.json");
	const lookup: Record<string, Schema> = Object.create(null);
	for (const [name, schema] of Object.entries(doc.components.schemas)) {
		dereference(schema as Schema, lookup, base, `/components/schemas/${name}`);
	}
	const bodies = new Map<string, Schema>();
	for (const [type, { post }] of Object.entries(doc.webhooks)) {
		const schema = (post.requestBody as { content: Record<string, { schema: Schema }> }).content["application/json"]
			?.schema as Schema;
		dereference(schema, lookup, base, `/webhooks/${type}/post/requestBody/content/application~1json/schema`);
		bodies.set(type, schema);
	}
	return { bodies, lookup };
})();

/** Checks an event as delivered against the body schema the document gives its type. */
function expectDocumented(event: { type: string }): void {
	const schema = documented.bodies.get(event.type);
	if (!schema) throw new Error(`no webhook documented for ${event.type}`);
	const result = validate(event, schema, "2020-12", documented.lookup, false);
	expect(result.errors.map((e) => `${e.instanceLocation} ${e.keyword}: ${e.error}`)).toEqual([]);
}

describe("webhook endpoints", () => {
	it("should register an endpoint, show its secret once, list it without it, and delete it", async () => {
		const { key } = await newWorkspace();
		const created = await addEndpoint(key, { url: "https://crm.example/hooks/tapline", events: ["link.clicked"] });
		expect(created.status).toBe(201);
		// Standard Webhooks: whsec_ and the base64 of 32 random bytes.
		expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		expect(created.body.endpoint).toMatchObject({ url: "https://crm.example/hooks/tapline", events: ["link.clicked"] });

		const list = await (await call("/api/v1/webhook-endpoints", { key })).json<{ endpoints: object[] }>();
		expect(list.endpoints).toHaveLength(1);
		expect(JSON.stringify(list)).not.toContain("whsec_");

		const other = await newWorkspace("Other");
		const id = created.body.endpoint.id;
		expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "DELETE", key: other.key })).status).toBe(404);
		expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "DELETE", key })).status).toBe(204);
		expect((await call(`/api/v1/webhook-endpoints/${id}`, { method: "DELETE", key })).status).toBe(404);
	});

	it("should refuse, on a deployment, plain http, local and private hosts in every spelling, credentials and unknown events", async () => {
		const { key } = await newWorkspace();
		for (const json of [
			{ url: "http://crm.example/hook" },
			{ url: "http://localhost:9000/hook" },
			{ url: "https://localhost./hook" },
			{ url: "https://crm.example./hook" },
			{ url: "https://api.localhost/hook" },
			{ url: "https://metadata.google.internal/computeMetadata/v1/" },
			{ url: "https://[::ffff:169.254.169.254]/latest/meta-data/" },
			{ url: "https://[::ffff:a9fe:a9fe]/latest/meta-data/" },
			{ url: "https://2852039166/latest/meta-data/" },
			{ url: "https://0x7f000001/hook" },
			{ url: "https://0177.0.0.1/hook" },
			{ url: "https://100.64.0.1/hook" },
			{ url: "https://[fe80::1]/hook" },
			{ url: "https://[fd00::1]/hook" },
			{ url: "https://10.0.0.8/hook" },
			{ url: "https://192.168.1.20/hook" },
			{ url: "https://user:pw@crm.example/hook" },
			{ url: "not a url" },
			{ url: "https://crm.example/hook", events: ["link.exploded"] },
			{ url: "https://crm.example/hook", events: [] },
		]) {
			const res = await callWith(DEPLOYED, "/api/v1/webhook-endpoints", { method: "POST", key, json });
			expect(res.status, json.url).toBe(422);
			expect(await res.json(), json.url).toMatchObject({ error: { code: "validation_failed" } });
		}
		const ok = await callWith(DEPLOYED, "/api/v1/webhook-endpoints", {
			method: "POST",
			key,
			json: { url: "https://crm.example/hook" },
		});
		expect(ok.status).toBe(201);
	});

	it("should allow loopback under the development settings, but never link-local or metadata addresses", async () => {
		const { key } = await newWorkspace();
		expect((await addEndpoint(key, { url: "http://localhost:9000/hook" })).status).toBe(201);
		expect((await addEndpoint(key, { url: "http://127.0.0.1:9000/hook" })).status).toBe(201);
		for (const url of [
			"http://169.254.169.254/latest/meta-data/",
			"http://[::ffff:a9fe:a9fe]/",
			"http://localhost./hook",
			"http://metadata.google.internal/",
		]) {
			expect((await addEndpoint(key, { url })).status, url).toBe(422);
		}
	});

	it("should refuse an eleventh endpoint", async () => {
		const { key } = await newWorkspace();
		for (let i = 1; i <= 10; i++)
			expect((await addEndpoint(key, { url: `https://crm.example/${i}` })).status).toBe(201);
		const eleventh = await addEndpoint(key, { url: "https://crm.example/11" });
		expect(eleventh.status).toBe(409);
	});
});

describe("outbound events", () => {
	it("should emit link.clicked for a person's tap to the endpoints that want it, not for a bot's", async () => {
		const { key, id: workspaceId } = await newWorkspace();
		const wants = await addEndpoint(key, { url: `${receiverUrl}/clicks`, events: ["link.clicked"] });
		await addEndpoint(key, { url: `${receiverUrl}/purchases`, events: ["purchase.attributed"] });
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671", variant: "A" }]);
		const person = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		const bot = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": WHATSAPP } });

		const deliveries = await consume([...person.sent, ...bot.sent]);
		const tlid = new URL(person.response.headers.get("location") ?? "").searchParams.get("tlid");
		expect(deliveries).toEqual([
			{
				v: 1,
				type: "webhook",
				endpointId: wants.body.endpoint.id,
				event: {
					id: `link.clicked:${tlid}`,
					type: "link.clicked",
					createdAt: expect.any(String),
					workspaceId,
					data: expect.objectContaining({ clickId: tlid, campaignId, linkCode: link?.code, variant: "A" }),
				},
			},
		]);
	});

	it("should emit message.delivered once for a delivery reported five times", async () => {
		const { key } = await newWorkspace();
		await addEndpoint(key, { url: `${receiverUrl}/delivered`, events: ["message.delivered"] });
		const campaignId = await newCampaign(key);
		await mint(key, campaignId, [{ phone: "+14155552671" }]);
		const report = async () => {
			const webhooks = capturingQueue();
			const events = capturingQueue();
			const ctx = createExecutionContext();
			const res = await app.fetch(
				new Request("https://tapline.test/api/v1/messages/events", {
					method: "POST",
					headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
					body: JSON.stringify({ phone: "+14155552671", campaignId, status: "delivered" }),
				}),
				{ ...env, EVENTS: events, WEBHOOKS: webhooks },
				ctx,
			);
			await waitOnExecutionContext(ctx);
			expect(res.status).toBe(202);
			return events.bodies();
		};
		const first = await consume(await report());
		expect(first.map((d) => d.event.type)).toEqual(["message.delivered"]);
		for (let i = 0; i < 4; i++) expect(await consume(await report())).toEqual([]);
	});
});

describe("more outbound events", () => {
	it("should emit purchase.attributed for an order tied to a tap", async () => {
		const { key } = await newWorkspace();
		const endpoint = await addEndpoint(key, { url: `${receiverUrl}/orders`, events: ["purchase.attributed"] });
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671" }]);
		const tap = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await consume(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		const events = capturingQueue();
		const ctx = createExecutionContext();
		await app.fetch(
			new Request("https://tapline.test/api/v1/conversions", {
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
				body: JSON.stringify({ orderId: "1001", value: 49.9, currency: "USD", tlid }),
			}),
			{ ...env, EVENTS: events },
			ctx,
		);
		await waitOnExecutionContext(ctx);
		const deliveries = await consume(events.bodies());
		expect(deliveries).toMatchObject([
			{
				endpointId: endpoint.body.endpoint.id,
				event: {
					id: `purchase.attributed:1001:${campaignId}`,
					type: "purchase.attributed",
					data: { orderId: "1001", campaignId, clickId: tlid, value: 49.9, currency: "USD", source: "api" },
				},
			},
		]);
	});

	it("should report an order as stored: its first campaign, whatever a later report claims", async () => {
		const { key } = await newWorkspace();
		await addEndpoint(key, { url: `${receiverUrl}/orders2`, events: ["purchase.attributed"] });
		const [first, second] = [await newCampaign(key), await newCampaign(key)];
		const clickIn = async (campaignId: string) => {
			const [link] = await mint(key, campaignId, [{ phone: "+14155552671" }]);
			const tap = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
			await consume(tap.sent);
			return new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		};
		const report = async (tlid: string | null, value: number) => {
			const events = capturingQueue();
			const ctx = createExecutionContext();
			await app.fetch(
				new Request("https://tapline.test/api/v1/conversions", {
					method: "POST",
					headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
					body: JSON.stringify({ orderId: "9001", value, currency: "USD", tlid }),
				}),
				{ ...env, EVENTS: events },
				ctx,
			);
			await waitOnExecutionContext(ctx);
			return consume(events.bodies());
		};
		const a = await report(await clickIn(first), 10);
		const b = await report(await clickIn(second), 999);
		for (const deliveries of [a, b]) {
			expect(deliveries.map((d) => [d.event.id, d.event.data.value])).toEqual([
				[`purchase.attributed:9001:${first}`, 10],
			]);
		}
	});

	it("should not emit link.clicked for a tap the aggregator refused (its link was deleted first)", async () => {
		const { key } = await newWorkspace();
		await addEndpoint(key, { url: `${receiverUrl}/gone`, events: ["link.clicked"] });
		const campaignId = await newCampaign(key);
		const [link] = await mint(key, campaignId, [{ phone: "+14155552671" }]);
		const tap = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await env.DB.prepare("UPDATE links SET deleted_at = 1 WHERE code = ?1").bind(link?.code).run();
		expect(await consume(tap.sent)).toEqual([]);
	});

	it("should emit contact.opted_out when a contact texts STOP", async () => {
		const account = newTwilioAccount();
		const { key } = await newWorkspace();
		await addEndpoint(key, { url: `${receiverUrl}/optouts`, events: ["contact.opted_out"] });
		const campaignId = await newCampaign(key);
		const phone = "+14155559123";
		const [link] = await mint(key, campaignId, [{ phone }]);
		const url = "https://tap.example/api/v1/webhooks/twilio/inbound";
		const stop = await inboundMessage(account, { from: phone, to: "+15005550006", body: "STOP", url });
		const webhooks = capturingQueue();
		const ctx = createExecutionContext();
		const res = await app.fetch(
			webhookRequest(stop),
			{ ...env, ...twilioEnv(account), PUBLIC_URL: "https://tap.example", WEBHOOKS: webhooks },
			ctx,
		);
		await waitOnExecutionContext(ctx);
		expect(res.status).toBe(200);
		expect(webhooks.bodies()).toMatchObject([{ event: { type: "contact.opted_out" } }]);
		// Exactly the documented fields.
		expect((webhooks.bodies()[0] as DeliveryEnvelope).event.data).toEqual({
			contactId: link?.contactId,
			phone,
			source: "sms",
			at: expect.any(String),
		});
		expectDocumented((webhooks.bodies()[0] as DeliveryEnvelope).event);
	});

	it("should refuse, by the documented schema, a payload with a field too many or a wrong type", () => {
		const event = {
			id: "contact.opted_out:ct_1:sms-1",
			type: "contact.opted_out",
			createdAt: "2026-11-27T10:00:00.000Z",
			workspaceId: "ws_1",
			data: { contactId: "ct_1", phone: "+14155559123", source: "sms", at: "2026-11-27T10:00:00.000Z" },
		};
		expectDocumented(event);
		const schema = documented.bodies.get("contact.opted_out") as Schema;
		for (const bad of [
			{ ...event, data: { ...event.data, email: "x@y.z" } },
			{ ...event, data: { ...event.data, source: "fax" } },
			{ ...event, type: "link.clicked" },
		]) {
			expect(validate(bad, schema, "2020-12", documented.lookup, false).valid).toBe(false);
		}
	});
});

describe("delivering webhooks", () => {
	it("should POST the event signed as Standard Webhooks asks, verified by the standardwebhooks package", async () => {
		const { key } = await newWorkspace();
		const path = uniquePath("signed");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		const event = {
			id: "link.clicked:abc",
			type: "link.clicked",
			createdAt: "2026-11-27T10:00:00.000Z",
			workspaceId: "ws_x",
			data: { clickId: "abc" },
		};
		const result = await deliverAll([{ v: 1, type: "webhook", endpointId: body.endpoint.id, event }]);
		expect(result.explicitAcks).toHaveLength(1);

		const [request] = await received(path);
		expect(request?.method).toBe("POST");
		expect(request?.headers["webhook-id"]).toBe("link.clicked:abc");
		expect(request?.headers["webhook-timestamp"]).toMatch(/^\d+$/);
		expect(Math.abs(Number(request?.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
		expect(request?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
		expect(verified(body.secret, request)).toEqual(event);

		// A receiver refuses a tampered body, another id, another endpoint's secret.
		const tampered = { ...(request as Received), body: (request?.body ?? "").replace('"abc"', '"abd"') };
		expect(() => verified(body.secret, tampered)).toThrow();
		const otherId = { ...(request as Received), headers: { ...request?.headers, "webhook-id": "link.clicked:abd" } };
		expect(() => verified(body.secret, otherId)).toThrow();
		const other = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		expect(() => verified(other.body.secret, request)).toThrow();
	});

	it("should sign with the time of sending, so that a receiver refuses a delivery signed long ago", async () => {
		const { key } = await newWorkspace();
		const path = uniquePath("old");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		const event = {
			id: "e-old",
			type: "link.clicked",
			createdAt: "2026-11-27T10:00:00.000Z",
			workspaceId: "w",
			data: {},
		};
		const batch = createMessageBatch<unknown>("tapline-webhooks", [
			{
				id: `d-${++sequence}`,
				timestamp: new Date(),
				attempts: 1,
				body: { v: 1, type: "webhook", endpointId: body.endpoint.id, event },
			},
		]);
		await deliverWebhooks(batch, env, Date.now() - 10 * 60_000);
		const [request] = await received(path);
		expect(() => verified(body.secret, request)).toThrow(/too old/);
	});

	it("should keep signing deliveries to an endpoint made before, with the secret it was given, as the spec says", async () => {
		const { key, id: workspaceId } = await newWorkspace();
		const path = uniquePath("legacy");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		// A secret as endpoints were given them before: whsec_ and 32 letters and digits.
		const legacy = "whsec_Q2xhc3NpY1RhcGxpbmVTZWNyZXQwMDAx";
		await env.DB.prepare("UPDATE webhook_endpoints SET secret = ?1 WHERE id = ?2").bind(legacy, body.endpoint.id).run();
		forgetEndpoints(workspaceId);
		const event = {
			id: "e-legacy",
			type: "link.clicked",
			createdAt: "2026-11-27T10:00:00.000Z",
			workspaceId,
			data: {},
		};
		await deliverAll([{ v: 1, type: "webhook", endpointId: body.endpoint.id, event }]);
		expect(verified(legacy, (await received(path))[0])).toEqual(event);
	});

	it("should retry an endpoint that fails, and send nothing to a deleted one", async () => {
		const { key } = await newWorkspace();
		const { body } = await addEndpoint(key, { url: `${receiverUrl}/flaky` });
		await script("/flaky", [500]);
		const delivery = {
			v: 1,
			type: "webhook",
			endpointId: body.endpoint.id,
			event: { id: "e1", type: "link.clicked", createdAt: "2026-11-27T10:00:00.000Z", workspaceId: "ws", data: {} },
		};
		const failed = await deliverAll([delivery]);
		expect(failed.retryMessages).toHaveLength(1);
		const passed = await deliverAll([delivery], 2);
		expect(passed.explicitAcks).toHaveLength(1);
		const attempts = await received("/flaky");
		expect(attempts).toHaveLength(2);
		// One delivery, one webhook-id, however often it is tried; each attempt verifies.
		expect(attempts.map((a) => a.headers["webhook-id"])).toEqual(["e1", "e1"]);
		for (const attempt of attempts) expect(verified(body.secret, attempt)).toMatchObject({ id: "e1" });

		await call(`/api/v1/webhook-endpoints/${body.endpoint.id}`, { method: "DELETE", key });
		const gone = await deliverAll([delivery], 3);
		expect(gone.explicitAcks).toHaveLength(1);
		expect(await received("/flaky")).toHaveLength(2);
	});
});

describe("the URL check at delivery", () => {
	it("should send nothing to an endpoint the deployment's settings now refuse, and dead-letter its delivery", async () => {
		const { key } = await newWorkspace();
		const path = uniquePath("now-refused");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		const deadLetters = capturingQueue();
		const delivery = {
			v: 1,
			type: "webhook",
			endpointId: body.endpoint.id,
			event: {
				id: "e-refused",
				type: "link.clicked",
				createdAt: "2026-11-27T10:00:00.000Z",
				workspaceId: "w",
				data: {},
			},
		};
		const batch = createMessageBatch<unknown>("tapline-webhooks", [
			{ id: `d-${++sequence}`, timestamp: new Date(), attempts: 1, body: delivery },
		]);
		const ctx = createExecutionContext();
		await deliverWebhooks(batch, { ...env, ...DEPLOYED, WEBHOOKS_DEAD_LETTERS: deadLetters });
		const result = await getQueueResult(batch, ctx);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await received(path)).toEqual([]);
		expect(deadLetters.bodies()).toMatchObject([{ reason: expect.stringMatching(/URL refused/), body: delivery }]);
		const log = await (await call(`/api/v1/webhook-endpoints/${body.endpoint.id}/deliveries`, { key })).json();
		expect(log).toMatchObject({
			deliveries: [{ eventId: "e-refused", ok: false, status: null, error: expect.stringMatching(/URL refused/) }],
		});
	});
});

interface LoggedDelivery {
	id: string;
	eventId: string;
	attempt: number;
	status: number | null;
	ok: boolean;
	error: string | null;
	durationMs: number;
	attemptedAt: number;
}

describe("the delivery log", () => {
	const deliveryTo = (endpointId: string, id: string) => ({
		v: 1,
		type: "webhook",
		endpointId,
		event: { id, type: "link.clicked", createdAt: "2026-11-27T10:00:00.000Z", workspaceId: "w", data: { n: id } },
	});
	const logOf = async (key: string, endpointId: string, query = "") => {
		const res = await call(`/api/v1/webhook-endpoints/${endpointId}/deliveries${query}`, { key });
		return { status: res.status, body: await res.json<{ deliveries: LoggedDelivery[]; error?: unknown }>() };
	};

	it("should list each attempt, newest first, with its time, status, error and duration, to its workspace only", async () => {
		const { key } = await newWorkspace();
		const path = uniquePath("logged");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		await script(path, [503]);
		const delivery = deliveryTo(body.endpoint.id, "e-logged");
		const before = Date.now();
		const batch = (attempts: number) =>
			createMessageBatch<unknown>("tapline-webhooks", [
				{ id: "d-logged-1", timestamp: new Date(), attempts, body: delivery },
			]);
		await deliverWebhooks(batch(1), env, before);
		await deliverWebhooks(batch(2), env, before + 1);
		// The same attempt written again (a batch redelivered after its log was written) adds nothing.
		await deliverWebhooks(batch(2), env, before + 1);
		const log = await logOf(key, body.endpoint.id);
		expect(log.status).toBe(200);
		expect(log.body.deliveries).toEqual([
			expect.objectContaining({
				eventId: "e-logged",
				attempt: 2,
				status: 200,
				ok: true,
				error: null,
				attemptedAt: before + 1,
			}),
			expect.objectContaining({
				eventId: "e-logged",
				attempt: 1,
				status: 503,
				ok: false,
				error: "HTTP 503",
				attemptedAt: before,
			}),
		]);
		for (const d of log.body.deliveries) expect(d.durationMs).toBeGreaterThanOrEqual(0);

		const other = await newWorkspace("Other");
		expect((await logOf(other.key, body.endpoint.id)).status).toBe(404);
		expect((await logOf(key, "whe_nope")).status).toBe(404);
		expect((await logOf(key, body.endpoint.id, "?limit=0")).status).toBe(400);
	});

	it("should record an endpoint that does not answer", async () => {
		const { key } = await newWorkspace();
		// A port nothing listens on: the connection is refused.
		const { body } = await addEndpoint(key, { url: "http://127.0.0.1:9/hook" });
		const result = await deliverAll([deliveryTo(body.endpoint.id, "e-unreachable")]);
		expect(result.retryMessages).toHaveLength(1);
		const log = await logOf(key, body.endpoint.id);
		expect(log.body.deliveries).toEqual([
			expect.objectContaining({ eventId: "e-unreachable", status: null, ok: false, error: expect.any(String) }),
		]);
	});

	it("should keep the last 100 attempts of an endpoint", async () => {
		const { key } = await newWorkspace();
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${uniquePath("bounded")}` });
		const other = await addEndpoint(key, { url: `${receiverUrl}${uniquePath("bounded-other")}` });
		await deliverAll([deliveryTo(other.body.endpoint.id, "e-kept")]);
		for (let round = 0; round < 3; round++) {
			await deliverAll(Array.from({ length: 40 }, (_, i) => deliveryTo(body.endpoint.id, `e-${round}-${i}`)));
		}
		const log = await logOf(key, body.endpoint.id, "?limit=100");
		expect(log.body.deliveries).toHaveLength(100);
		const { results } = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?1")
			.bind(body.endpoint.id)
			.all<{ n: number }>();
		expect(results[0]?.n).toBe(100);
		// Another endpoint's log is left alone.
		expect((await logOf(key, other.body.endpoint.id)).body.deliveries).toHaveLength(1);
		// A deleted endpoint's log goes with it.
		await call(`/api/v1/webhook-endpoints/${body.endpoint.id}`, { method: "DELETE", key });
		const { results: left } = await env.DB.prepare(
			"SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?1",
		)
			.bind(body.endpoint.id)
			.all<{ n: number }>();
		expect(left[0]?.n).toBe(0);
	});

	it("should redeliver an attempt's event with the same webhook-id, to the endpoint of the workspace only", async () => {
		const { key } = await newWorkspace();
		const path = uniquePath("redeliver");
		const { body } = await addEndpoint(key, { url: `${receiverUrl}${path}` });
		await deliverAll([deliveryTo(body.endpoint.id, "e-again")]);
		const [logged] = (await logOf(key, body.endpoint.id)).body.deliveries;
		const webhooks = capturingQueue();
		const redeliver = `/api/v1/webhook-endpoints/${body.endpoint.id}/deliveries/${logged?.id}/redeliver`;
		const res = await callWith({ WEBHOOKS: webhooks }, redeliver, { method: "POST", key });
		expect(res.status).toBe(202);
		expect(await res.json()).toEqual({ queued: true, eventId: "e-again", endpointId: body.endpoint.id });
		expect(webhooks.bodies()).toEqual([deliveryTo(body.endpoint.id, "e-again")]);
		await deliverAll(webhooks.bodies());
		const requests = await received(path);
		expect(requests.map((r) => r.headers["webhook-id"])).toEqual(["e-again", "e-again"]);
		expect(verified(body.secret, requests[1])).toMatchObject({ id: "e-again" });
		expect((await logOf(key, body.endpoint.id)).body.deliveries).toHaveLength(2);

		const other = await newWorkspace("Other");
		expect((await callWith({ WEBHOOKS: webhooks }, redeliver, { method: "POST", key: other.key })).status).toBe(404);
		const unknown = `/api/v1/webhook-endpoints/${body.endpoint.id}/deliveries/whd_nope/redeliver`;
		expect((await callWith({ WEBHOOKS: webhooks }, unknown, { method: "POST", key })).status).toBe(404);
		const down = await callWith({ WEBHOOKS: refusingQueue() }, redeliver, { method: "POST", key });
		expect(down.status).toBe(503);
		expect(webhooks.bodies()).toHaveLength(1);
	});
});
