import { describe, expect, it } from "vitest";
import { deliver, IPHONE_SAFARI, newCampaign, tapCapturing } from "../../support/helpers";
import { DAYTIME, messagesOf, sendCampaign, setup, statsOf } from "../../support/sms-campaign";
import { api, baseEnv, runSends } from "../../support/sms-harness";

describe("purchases against the message funnel", () => {
	it("should report conversion on delivered messages and revenue per message sent, per campaign and variant", async () => {
		const { key, campaignId } = await setup(0);
		const zone = DAYTIME();
		const recipients = ["+14155552671", "+14155552672", "+14155552673", "+14155552674"].map((phone, i) => ({
			phone,
			timezone: zone,
			variant: i < 2 ? "A" : "B",
		}));
		const sent = await sendCampaign(baseEnv, key, campaignId, recipients);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const messages = await messagesOf(key, campaignId);
		// Three delivered (both of A, one of B), one failed.
		const events = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: {
				events: messages.map((m) => ({
					messageId: m.id,
					status: m.phone === "+14155552674" ? "failed" : "delivered",
				})),
			},
		});
		await deliver(events.events.map((e) => e.body));

		// The first recipient of A taps and buys.
		const buyer = messages.find((m) => m.phone === "+14155552671");
		const tap = await tapCapturing(`/${buyer?.linkCode}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		const order = await api(baseEnv, "/api/v1/conversions", {
			key,
			json: { orderId: "A-1", value: 60, currency: "USD", tlid },
		});
		expect(order.response.status).toBe(202);
		await deliver(order.events.map((e) => e.body));

		const stats = await statsOf(key, campaignId);
		expect(stats.messages).toMatchObject({ sent: 3, delivered: 3, failed: 1, tapped: 1 });
		expect(stats.purchases).toMatchObject({
			purchasers: 1,
			revenue: { USD: 60 },
			conversionRateOnDelivered: 0.3333,
			revenuePerMessageSent: { USD: 20 },
		});
		const byVariant = Object.fromEntries(stats.byVariant.map((v) => [v.variant, v]));
		expect(byVariant.A).toMatchObject({
			messages: { sent: 2, delivered: 2, tapped: 1, clickThroughOnDelivered: 0.5 },
			purchases: { conversionRateOnDelivered: 0.5, revenuePerMessageSent: { USD: 30 } },
		});
		expect(byVariant.B).toMatchObject({
			messages: { sent: 1, delivered: 1, failed: 1, tapped: 0 },
			purchases: { conversionRateOnDelivered: 0, revenuePerMessageSent: {} },
		});
	});
});

describe("the journey view with messages", () => {
	it("should show messages, conversion on delivered and revenue per message sent per stage", async () => {
		const { key } = await setup(0);
		const campaignId = await newCampaign(key, { name: "Retain", stage: "retention" });
		const zone = DAYTIME();
		const sent = await sendCampaign(baseEnv, key, campaignId, [
			{ phone: "+14155558001", timezone: zone },
			{ phone: "+14155558002", timezone: zone },
		]);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [first] = await messagesOf(key, campaignId);
		const delivered = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: { messageId: first?.id, status: "delivered" },
		});
		await deliver(delivered.events.map((e) => e.body));
		const tap = await tapCapturing(`/${first?.linkCode}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const tlid = new URL(tap.response.headers.get("location") ?? "").searchParams.get("tlid");
		const order = await api(baseEnv, "/api/v1/conversions", {
			key,
			json: { orderId: "R-1", value: 30, currency: "EUR", tlid },
		});
		await deliver(order.events.map((e) => e.body));

		const { response } = await api(baseEnv, "/api/v1/journey", { key });
		const { stages } = await response.json<{ stages: { stage: string }[] }>();
		expect(stages.find((s) => s.stage === "retention")).toMatchObject({
			campaigns: 1,
			purchasers: 1,
			messages: { sent: 2, delivered: 1, deliveryRate: 0.5 },
			conversionRateOnDelivered: 1,
			revenuePerMessageSent: { EUR: 15 },
		});
	});
});
