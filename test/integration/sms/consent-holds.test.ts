// Consent that holds (issue 14): an opt-out outlives erasure, the manual opt-out API, HELP naming the workspace that
// last texted the number, and phones kept out of URLs.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sendRequest } from "../../../src/messages/send-envelope";
import { hmacOf, newCampaign, newWorkspace } from "../../support/helpers";
import { capturingQueue } from "../../support/queues";
import { DAYTIME, messagesOf, PUBLIC_URL, SENDER, sendCampaign, setup, twilioApp } from "../../support/sms-campaign";
import { api, postWebhook, runSends, type TestEnv } from "../../support/sms-harness";
import { inboundMessage, type TwilioAccount, twilioRequests } from "../../support/twilio";

const INBOUND_URL = `${PUBLIC_URL}/api/v1/webhooks/twilio/inbound`;
const SECRET = "test-suppression-secret-0123456789";

type ContactBody = {
	contact: { id: string; optedOut: boolean; optedOutAt: number | null; consent: { kind: string; source: string }[] };
};

async function reply(account: TwilioAccount, appEnv: TestEnv, body: string, from: string) {
	const { response } = await postWebhook(
		appEnv,
		await inboundMessage(account, { from, to: SENDER, body, url: INBOUND_URL }),
	);
	expect(response.status).toBe(200);
	return response.text();
}

async function search(appEnv: TestEnv, key: string, phone: string) {
	const { response } = await api(appEnv, "/api/v1/contacts/search", { key, json: { phone } });
	return { status: response.status, body: await response.json<ContactBody>() };
}

async function mint(appEnv: TestEnv, key: string, campaignId: string, phone: string) {
	const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
		key,
		json: { recipients: [{ phone }] },
	});
	return response;
}

async function eraseByBody(appEnv: TestEnv, key: string, phone: string) {
	return (await api(appEnv, "/api/v1/contacts/erase", { key, json: { phone } })).response;
}

describe("an opt-out outlives erasure", () => {
	it("should keep an erased opted-out number opted out when it is minted again", async () => {
		const phone = "+14155558101";
		const { account, appEnv, key, campaignId } = await setup(0);
		expect((await mint(appEnv, key, campaignId, phone)).status).toBe(200);
		await reply(account, appEnv, "STOP", phone);
		expect((await eraseByBody(appEnv, key, phone)).status).toBe(200);
		expect((await search(appEnv, key, phone)).status).toBe(404);

		// The same number, minted again in another campaign of the workspace.
		expect((await mint(appEnv, key, await newCampaign(key, { name: "Later" }), phone)).status).toBe(200);
		const again = await search(appEnv, key, phone);
		expect(again.status).toBe(200);
		expect(again.body.contact).toMatchObject({ optedOut: true, consent: [{ kind: "opt_out", source: "suppression" }] });
	});

	it("should skip an erased opted-out number as opted_out when a send names it, and text it again after START", async () => {
		const phone = "+14155558102";
		const { account, appEnv, key, campaignId } = await setup(0);
		const zone = DAYTIME();
		const first = await sendCampaign(appEnv, key, campaignId, [{ phone, timezone: zone }]);
		await runSends(
			appEnv,
			first.sends.map((s) => s.body),
		);
		expect(await twilioRequests(account)).toHaveLength(1);
		await reply(account, appEnv, "stop texting me", phone);
		expect((await eraseByBody(appEnv, key, phone)).status).toBe(200);

		const laterId = await newCampaign(key, { name: "Later" });
		// A dry run says what the send will do, before the number has a contact again.
		const preview = await sendCampaign(appEnv, key, laterId, [{ phone, timezone: zone }], { dryRun: true });
		expect(preview.body).toMatchObject({ skipped: [{ index: 0, reason: "opted_out" }] });
		const later = await sendCampaign(appEnv, key, laterId, [{ phone, timezone: zone }]);
		expect(later.body).toMatchObject({ queued: 0, skipped: [{ index: 0, reason: "opted_out" }] });
		expect(later.sends).toHaveLength(0);
		expect(await twilioRequests(account)).toHaveLength(1);

		// A re-subscription from the number lifts the suppression: the next send texts it.
		expect(await reply(account, appEnv, "START", phone)).toContain("resubscribed");
		const suppressed = await env.DB.prepare("SELECT count(*) AS n FROM suppressions WHERE phone_hash = ?1")
			.bind(await hmacOf(SECRET, phone, "SHA-256", "hex"))
			.first();
		expect(suppressed).toEqual({ n: 0 });
		const resumed = await sendCampaign(appEnv, key, await newCampaign(key, { name: "Resumed" }), [
			{ phone, timezone: zone },
		]);
		expect(resumed.body).toMatchObject({ queued: 1, skipped: [] });
		await runSends(
			appEnv,
			resumed.sends.map((s) => s.body),
		);
		expect(await twilioRequests(account)).toHaveLength(2);
	});

	it("should have the send SQL itself treat a suppressed phone as opted out, whatever the contact row says", async () => {
		const phone = "+14155558103";
		const { account, appEnv, key, campaignId } = await setup(0);
		const zone = DAYTIME();
		await mint(appEnv, key, campaignId, phone);
		await reply(account, appEnv, "STOP", phone);
		await eraseByBody(appEnv, key, phone);
		await mint(appEnv, key, campaignId, phone);
		// A path that wrote the contact without its consent (or a restore from a backup): the row says opted in.
		await env.DB.prepare("UPDATE contacts SET opted_out_at = NULL WHERE phone = ?1").bind(phone).run();

		const send = await sendCampaign(appEnv, key, campaignId, [{ phone, timezone: zone }]);
		expect(send.body).toMatchObject({ queued: 0, skipped: [{ reason: "opted_out" }] });
		// A message claimed before the suppression (a follow-up, a queued campaign message) is not sent either.
		const contact = await env.DB.prepare("SELECT id FROM contacts WHERE phone = ?1")
			.bind(phone)
			.first<{ id: string }>();
		await env.DB.prepare(
			`INSERT INTO messages (id, workspace_id, campaign_id, contact_id, kind, provider, body, status, created_at,
			                       updated_at)
			 SELECT 'msg_suppressed_1', workspace_id, ?2, id, 'followup', 'twilio', 'Hi', 'pending', 1, 1
			 FROM contacts WHERE id = ?1`,
		)
			.bind(contact?.id, campaignId)
			.run();
		await runSends(appEnv, [sendRequest("msg_suppressed_1").body]);
		expect(await twilioRequests(account)).toHaveLength(0);
	});

	it("should keep the suppression to the workspace that erased, and store only a keyed hash", async () => {
		const phone = "+14155558104";
		const erasing = await setup(0);
		const other = await setup(0);
		await mint(erasing.appEnv, erasing.key, erasing.campaignId, phone);
		await reply(erasing.account, erasing.appEnv, "STOP", phone);
		await eraseByBody(erasing.appEnv, erasing.key, phone);

		await mint(other.appEnv, other.key, other.campaignId, phone);
		expect((await search(other.appEnv, other.key, phone)).body.contact.optedOut).toBe(false);

		const rows = await env.DB.prepare("SELECT * FROM suppressions WHERE workspace_id = ?1")
			.bind(erasing.workspaceId)
			.all<Record<string, unknown>>();
		expect(rows.results).toEqual([
			{
				workspace_id: erasing.workspaceId,
				phone_hash: await hmacOf(SECRET, phone, "SHA-256", "hex"),
				source: "erasure",
				at: expect.any(Number),
			},
		]);
		const bare = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(phone)))]
			.map((b) => b.toString(16).padStart(2, "0"))
			.join("");
		expect(JSON.stringify(rows.results)).not.toContain(bare);
		expect(JSON.stringify(rows.results)).not.toContain(phone.slice(1));
	});

	it("should forget the contact in the webhook delivery log and the dead letters, and keep everyone else's", async () => {
		const [erased, kept] = ["+14155558106", "+14155558107"];
		const { appEnv, key, campaignId } = await setup(0);
		for (const phone of [erased, kept]) expect((await mint(appEnv, key, campaignId, phone)).status).toBe(200);
		const contacts = await Promise.all([erased, kept].map(async (phone) => (await search(appEnv, key, phone)).body));
		const [gone, stays] = contacts.map((b) => b.contact.id);
		const workspaceId = await appEnv.DB.prepare("SELECT workspace_id AS w FROM contacts WHERE id = ?1")
			.bind(gone)
			.first<string>("w");
		const rows = [
			[gone, erased],
			[stays, kept],
		].flatMap(([contactId, phone], i) => [
			appEnv.DB.prepare(
				`INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, message_id, attempt, event_id, event_type,
				   payload, status, ok, error, duration_ms, attempted_at)
				 VALUES (?1, 'we_x', ?2, ?1, 1, ?1, 'contact.opted_out', ?3, 200, 1, NULL, 5, 1)`,
			).bind(`wd_${i}`, workspaceId, JSON.stringify({ data: { contactId, phone, source: "sms" } })),
			// A purchase that names the phone, and poison that names no workspace but carries it.
			appEnv.DB.prepare(
				`INSERT INTO dead_letters (id, queue, workspace_id, reason, body, original_message_id, received_at)
				 VALUES (?1, 'tapline-events', ?2, 'retries', ?3, NULL, 1)`,
			).bind(`dl_${i}`, workspaceId, JSON.stringify({ type: "purchase", workspaceId, phone })),
			appEnv.DB.prepare(
				`INSERT INTO dead_letters (id, queue, workspace_id, reason, body, original_message_id, received_at)
				 VALUES (?1, 'tapline-events', NULL, 'poison', ?2, NULL, 1)`,
			).bind(`dl_poison_${i}`, `not json ${phone}`),
		]);
		await appEnv.DB.batch(rows);

		expect((await eraseByBody(appEnv, key, erased)).status).toBe(200);
		const left = async (table: string) =>
			(await appEnv.DB.prepare(`SELECT id FROM ${table} ORDER BY id`).all<{ id: string }>()).results.map((r) => r.id);
		expect(await left("webhook_deliveries")).toEqual(["wd_1"]);
		expect(await left("dead_letters")).toEqual(["dl_1", "dl_poison_1"]);
	});

	it("should not suppress a number whose contact was erased without having opted out", async () => {
		const phone = "+14155558105";
		const { appEnv, key, campaignId } = await setup(0);
		await mint(appEnv, key, campaignId, phone);
		await eraseByBody(appEnv, key, phone);
		await mint(appEnv, key, campaignId, phone);
		expect((await search(appEnv, key, phone)).body.contact.optedOut).toBe(false);
	});

	it("should refuse to erase without SUPPRESSION_SECRET, and refuse to mint where suppressed numbers cannot be told", async () => {
		const phone = "+14155558106";
		const { account, appEnv, key, campaignId } = await setup(0);
		const unset = { ...appEnv, SUPPRESSION_SECRET: "" } as TestEnv;
		await mint(unset, key, campaignId, phone);
		await reply(account, appEnv, "STOP", phone);

		const refused = await eraseByBody(unset, key, phone);
		expect(refused.status).toBe(503);
		expect(await refused.json()).toMatchObject({ error: { code: "not_configured" } });
		expect((await search(appEnv, key, phone)).body.contact.optedOut).toBe(true);
		const contactId = (await search(appEnv, key, phone)).body.contact.id;
		expect((await api(unset, `/api/v1/contacts/${contactId}`, { key, method: "DELETE" })).response.status).toBe(503);

		// With the secret the erasure goes through; without it, minting for this workspace could text the number.
		expect((await eraseByBody(appEnv, key, phone)).status).toBe(200);
		const blind = await mint(unset, key, campaignId, phone);
		expect(blind.status).toBe(503);
		expect(await blind.json()).toMatchObject({ error: { code: "not_configured" } });
		const send = await sendCampaign(unset, key, campaignId, [{ phone, timezone: DAYTIME() }]);
		expect(send.status).toBe(503);
		expect(await twilioRequests(account)).toHaveLength(0);
		// A workspace with nothing suppressed mints as before.
		const fresh = await setup(0);
		expect(
			(await mint({ ...fresh.appEnv, SUPPRESSION_SECRET: "" } as TestEnv, fresh.key, fresh.campaignId, phone)).status,
		).toBe(200);
	});
});

describe("POST /api/v1/contacts/{id}/opt-out", () => {
	it("should opt the contact out with source api, cancel what is pending, and be idempotent", async () => {
		const phone = "+14155558201";
		const { account, appEnv, key, campaignId } = await setup(0);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone, timezone: DAYTIME() }]);
		const { id } = (await search(appEnv, key, phone)).body.contact;
		const hook = await api(appEnv, "/api/v1/webhook-endpoints", {
			key,
			json: { url: "https://example.com/hook", events: ["contact.opted_out"] },
		});
		expect(hook.response.status).toBe(201);

		const webhooks = capturingQueue();
		const withHooks = { ...appEnv, WEBHOOKS: webhooks } as TestEnv;
		const first = await api(withHooks, `/api/v1/contacts/${id}/opt-out`, { key, method: "POST" });
		expect(first.response.status).toBe(200);
		// The marketer's endpoint hears of it, as of a STOP.
		expect(webhooks.sent).toHaveLength(1);
		expect(JSON.stringify(webhooks.sent)).toMatch(/contact\.opted_out.*"source":"api"/);
		const body = await first.response.json<ContactBody>();
		expect(body.contact).toMatchObject({ id, optedOut: true, consent: [{ kind: "opt_out", source: "api" }] });
		await runSends(
			appEnv,
			sent.sends.map((s) => s.body),
		);
		expect(await twilioRequests(account)).toHaveLength(0);
		expect((await messagesOf(key, campaignId))[0]).toMatchObject({ status: "canceled", errorCode: "opted_out" });

		// Again, and twice at once: one event.
		const again = await Promise.all([
			api(withHooks, `/api/v1/contacts/${id}/opt-out`, { key, method: "POST" }),
			api(withHooks, `/api/v1/contacts/${id}/opt-out`, { key, method: "POST" }),
		]);
		expect(webhooks.sent).toHaveLength(1);
		for (const { response } of again) {
			expect(response.status).toBe(200);
			expect((await response.json<ContactBody>()).contact).toMatchObject({
				optedOut: true,
				optedOutAt: body.contact.optedOutAt,
				consent: [{ kind: "opt_out", source: "api" }],
			});
		}
		// After a START, an opt-out through the API is a new one.
		await reply(account, appEnv, "START", phone);
		await api(withHooks, `/api/v1/contacts/${id}/opt-out`, { key, method: "POST" });
		expect(webhooks.sent).toHaveLength(2);
		expect((await search(appEnv, key, phone)).body.contact.consent.map((e) => `${e.kind}:${e.source}`)).toEqual([
			"opt_out:api",
			"opt_in:sms",
			"opt_out:api",
		]);
	});

	it("should record one opt-out when two calls race for a contact not yet opted out", async () => {
		const phone = "+14155558203";
		const { appEnv, key, campaignId } = await setup(0);
		await mint(appEnv, key, campaignId, phone);
		const { id } = (await search(appEnv, key, phone)).body.contact;
		const raced = await Promise.all(
			[1, 2, 3].map(() => api(appEnv, `/api/v1/contacts/${id}/opt-out`, { key, method: "POST" })),
		);
		for (const { response } of raced) expect(response.status).toBe(200);
		const events = await env.DB.prepare("SELECT source_id FROM consent_events WHERE contact_id = ?1").bind(id).all();
		expect(events.results).toEqual([{ source_id: "api:after:0" }]);
	});

	it("should answer 404 for another workspace's contact, and for an unknown one, and change nothing", async () => {
		const phone = "+14155558202";
		const owner = await setup(0);
		const stranger = await setup(0);
		await mint(owner.appEnv, owner.key, owner.campaignId, phone);
		const { id } = (await search(owner.appEnv, owner.key, phone)).body.contact;

		const foreign = await api(stranger.appEnv, `/api/v1/contacts/${id}/opt-out`, { key: stranger.key, method: "POST" });
		expect(foreign.response.status).toBe(404);
		expect(await foreign.response.json()).toMatchObject({ error: { code: "not_found" } });
		expect(
			(await api(owner.appEnv, "/api/v1/contacts/ct_nope/opt-out", { key: owner.key, method: "POST" })).response.status,
		).toBe(404);
		expect((await search(owner.appEnv, owner.key, phone)).body.contact).toMatchObject({ optedOut: false, consent: [] });
	});
});

describe("HELP", () => {
	it("should name the workspace that last texted the number, not one that only knows it", async () => {
		const phone = "+14155558301";
		const texter = await setup(0);
		const knower = await newWorkspace("Bystander Books");
		await api(texter.appEnv, "/api/v1/workspace", {
			key: knower.key,
			method: "PATCH",
			json: { helpText: "Bystander Books: reply STOP to opt out." },
		});
		const sent = await sendCampaign(texter.appEnv, texter.key, texter.campaignId, [{ phone, timezone: DAYTIME() }]);
		await runSends(
			texter.appEnv,
			sent.sends.map((s) => s.body),
		);
		// Known to a second workspace, which minted a link later and never texted.
		await mint(texter.appEnv, knower.key, await newCampaign(knower.key), phone);

		const help = await reply(texter.account, twilioApp(texter.account), "HELP", phone);
		expect(help).toContain("<Message>Acme Shoes by SMS.");
		expect(help).not.toContain("Bystander");
	});

	it("should answer a number no workspace texted without naming any workspace", async () => {
		const phone = "+14155558302";
		const knower = await setup(0);
		await api(knower.appEnv, "/api/v1/workspace", {
			key: knower.key,
			method: "PATCH",
			json: { name: "Quiet Quilts", helpText: "Quiet Quilts: help at 555-0100." },
		});
		await mint(knower.appEnv, knower.key, knower.campaignId, phone);
		const help = await reply(knower.account, knower.appEnv, "help", phone);
		expect(help).toContain(
			"<Message>Offers by SMS. Msg &#38; data rates may apply. Reply STOP to unsubscribe.</Message>",
		);
		expect(help).not.toContain("Quiet");
		const stop = await reply(knower.account, knower.appEnv, "STOP", phone);
		expect(stop).toContain("You are unsubscribed and will get no more messages.");
	});
});

describe("phones out of URLs", () => {
	it("should find and erase a contact by a phone in the body, as the query forms did", async () => {
		const phone = "+14155558401";
		const { appEnv, key, campaignId } = await setup(0);
		await mint(appEnv, key, campaignId, phone);

		const viaQuery = await api(appEnv, `/api/v1/contacts?phone=${encodeURIComponent(phone)}`, { key });
		const viaBody = await api(appEnv, "/api/v1/contacts/search", {
			key,
			json: { phone: "(415) 555-8401", defaultCountry: "us" },
		});
		expect(viaBody.response.status).toBe(200);
		expect(await viaBody.response.json()).toEqual(await viaQuery.response.json());
		expect(viaBody.response.headers.get("deprecation")).toBeNull();
		// The query form still answers, marked deprecated with its successor.
		expect(viaQuery.response.headers.get("deprecation")).toMatch(/^@\d+$/);
		expect(viaQuery.response.headers.get("link")).toBe('</api/v1/contacts/search>; rel="successor-version"');

		const erased = await api(appEnv, "/api/v1/contacts/erase", { key, json: { phone } });
		expect(erased.response.status).toBe(200);
		expect(await erased.response.json()).toMatchObject({ erased: { id: expect.stringMatching(/^ct_/) } });
		expect((await search(appEnv, key, phone)).status).toBe(404);
	});

	it("should refuse a bad phone, a wrong body and a wrong content type in the body forms", async () => {
		const { appEnv, key } = await setup(0);
		for (const path of ["/api/v1/contacts/search", "/api/v1/contacts/erase"]) {
			const bad = await api(appEnv, path, { key, json: { phone: "not a phone" } });
			expect(bad.response.status).toBe(422);
			expect(await bad.response.json()).toMatchObject({ error: { code: "validation_failed" } });
			expect((await api(appEnv, path, { key, json: { phone: "+14155558499", extra: 1 } })).response.status).toBe(422);
			expect((await api(appEnv, path, { key, json: {} })).response.status).toBe(422);
			expect((await api(appEnv, path, { key, json: { phone: "+14155558499" } })).response.status).toBe(404);
			const form = new Request(`https://tapline.test${path}`, {
				method: "POST",
				headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded" },
				body: "phone=%2B14155558499",
			});
			expect((await api(appEnv, path, { request: form })).response.status).toBe(415);
			expect((await api(appEnv, path, { json: { phone: "+14155558499" } })).response.status).toBe(401);
		}
	});

	it("should document the query forms as deprecated and the body forms as their successors", async () => {
		const { response } = await api(env as unknown as TestEnv, "/api/v1/openapi.json");
		const doc = await response.json<{ paths: Record<string, Record<string, { deprecated?: boolean }>> }>();
		expect(doc.paths["/api/v1/contacts"]?.get?.deprecated).toBe(true);
		expect(doc.paths["/api/v1/contacts"]?.delete?.deprecated).toBe(true);
		expect(doc.paths["/api/v1/contacts/search"]?.post?.deprecated).toBeUndefined();
		expect(doc.paths["/api/v1/contacts/erase"]?.post).toBeDefined();
		expect(doc.paths["/api/v1/contacts/{id}/opt-out"]?.post).toBeDefined();
	});
});
