import { describe, expect, it } from "vitest";
import { deliver } from "../../support/helpers";
import { messagesOf, setup } from "../../support/sms-campaign";
import { api } from "../../support/sms-harness";

describe("lifecycle events from other platforms", () => {
	it("should record events by phone and campaign, or by message id, through the same state machine", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }, { phone: "+14155552672" }] },
		});
		const post = (json: unknown) => api(appEnv, "/api/v1/messages/events", { key, json });
		const deliveredAt = new Date(Date.now() - 60_000).toISOString();
		const sentAt = new Date(Date.now() - 120_000).toISOString();
		const first = await post({
			events: [
				{ phone: "+14155552671", campaignId, status: "delivered", at: deliveredAt },
				{ phone: "+14155552672", campaignId, status: "failed", errorCode: 30006 },
			],
		});
		expect(first.response.status).toBe(202);
		await deliver(first.events.map((e) => e.body));
		const rows = await messagesOf(key, campaignId);
		const delivered = rows.find((m) => m.phone === "+14155552671");
		expect(delivered).toMatchObject({
			provider: "external",
			status: "delivered",
			deliveredAt: Date.parse(deliveredAt),
		});
		expect(rows.find((m) => m.phone === "+14155552672")).toMatchObject({ status: "failed", errorCode: "30006" });

		// A late "sent" for the delivered one, by message id: recorded, status unchanged.
		const late = await post({ messageId: delivered?.id, status: "sent", at: sentAt });
		expect(late.response.status).toBe(202);
		await deliver(late.events.map((e) => e.body));
		expect((await messagesOf(key, campaignId)).find((m) => m.id === delivered?.id)).toMatchObject({
			status: "delivered",
			sentAt: Date.parse(sentAt),
		});
	});

	it("should refuse an event dated before the message's link existed", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const { response, events } = await api(appEnv, "/api/v1/messages/events", {
			key,
			json: { phone: "+14155552671", campaignId, status: "delivered", at: "2026-01-01T00:00:00Z" },
		});
		expect(response.status).toBe(422);
		const { error } = await response.json<{ error: { details: { path: string; message: string }[] } }>();
		expect(error.details).toEqual([{ index: 0, path: "at", message: "is before the message's link was minted" }]);
		expect(events).toHaveLength(0);
	});

	it("should refuse the whole list when one event is wrong, naming it", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const { response, events } = await api(appEnv, "/api/v1/messages/events", {
			key,
			json: {
				events: [
					{ messageId: "msg_nope", status: "delivered" },
					{ phone: "+14155552671", campaignId, status: "teleported" },
					{ status: "sent" },
				],
			},
		});
		expect(response.status).toBe(422);
		const { error } = await response.json<{ error: { details: { index: number; path: string }[] } }>();
		expect(error.details.map((d) => d.path)).toEqual(["events.1.status", "events.2.messageId"]);
		expect(events).toHaveLength(0);
	});
});
