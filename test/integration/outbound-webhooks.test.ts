import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { dereference, type Schema, validate } from "@cfworker/json-schema";
import { describe, expect, inject, it } from "vitest";
import { app, buildOpenApiDocument } from "../../src/app";
import { consumeEvents } from "../../src/consumers";
import { deliverWebhooks } from "../../src/outbound-webhooks/consume";
import type { DeliveryEnvelope } from "../../src/outbound-webhooks/events";
import {
	call,
	hmacOf,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	tapCapturing,
	WHATSAPP,
} from "../support/helpers";
import { capturingQueue } from "../support/queues";
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

const hmacHex = (secret: string, data: string) => hmacOf(secret, data, "SHA-256", "hex");

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
		expect(created.body.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
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

	it("should refuse plain http (but for localhost), credentials, unknown events, and an eleventh endpoint", async () => {
		const { key } = await newWorkspace();
		for (const json of [
			{ url: "http://crm.example/hook" },
			{ url: "https://user:pw@crm.example/hook" },
			{ url: "not a url" },
			{ url: "https://crm.example/hook", events: ["link.exploded"] },
			{ url: "https://crm.example/hook", events: [] },
			{ url: "https://10.0.0.8/hook" },
			{ url: "https://192.168.1.20/hook" },
			{ url: "https://[fd00::1]/hook" },
			{ url: "https://metadata.internal/hook" },
		]) {
			const { status, body } = await addEndpoint(key, json);
			expect(status).toBe(422);
			expect(body.error).toMatchObject({ code: "validation_failed" });
		}
		expect((await addEndpoint(key, { url: "http://localhost:9000/hook" })).status).toBe(201);
		for (let i = 1; i < 10; i++) expect((await addEndpoint(key, { url: `https://crm.example/${i}` })).status).toBe(201);
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
	it("should POST the event signed with the endpoint's secret and the time, and ack a 2xx", async () => {
		const { key } = await newWorkspace();
		const { body } = await addEndpoint(key, { url: `${receiverUrl}/signed` });
		const event = {
			id: "link.clicked:abc",
			type: "link.clicked",
			createdAt: "2026-11-27T10:00:00.000Z",
			workspaceId: "ws_x",
			data: { clickId: "abc" },
		};
		const result = await deliverAll([{ v: 1, type: "webhook", endpointId: body.endpoint.id, event }]);
		expect(result.explicitAcks).toHaveLength(1);

		const [request] = await received("/signed");
		expect(request?.method).toBe("POST");
		expect(JSON.parse(request?.body ?? "")).toEqual(event);
		expect(request?.headers["tapline-event-id"]).toBe("link.clicked:abc");
		const [, t, v1] = request?.headers["tapline-signature"]?.match(/^t=(\d+),v1=([0-9a-f]{64})$/) ?? [];
		expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);
		expect(v1).toBe(await hmacHex(body.secret, `${t}.${request?.body}`));
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
		expect(await received("/flaky")).toHaveLength(2);

		await call(`/api/v1/webhook-endpoints/${body.endpoint.id}`, { method: "DELETE", key });
		const gone = await deliverAll([delivery], 3);
		expect(gone.explicitAcks).toHaveLength(1);
		expect(await received("/flaky")).toHaveLength(2);
	});
});
