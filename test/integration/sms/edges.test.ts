import { describe, expect, it } from "vitest";
import { deliver, IPHONE_SAFARI, tapCapturing } from "../../support/helpers";
import { DAYTIME, messagesOf, sendCampaign, setup, statsOf } from "../../support/sms-campaign";
import { api, baseEnv, runSends } from "../../support/sms-harness";

describe("listing messages", () => {
	it("should refuse a cursor it did not give out with 400", async () => {
		const { key } = await setup(0);
		for (const cursor of ["%%%", "bm9wZQ"]) {
			const { response } = await api(baseEnv, `/api/v1/messages?cursor=${cursor}`, { key });
			expect(response.status).toBe(400);
		}
	});
});

describe("edges a new user found", () => {
	it("should answer 202 with every recipient skipped when none can be sent to", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "not a phone" }]);
		expect(sent.status).toBe(202);
		expect(sent.body).toMatchObject({ queued: 0, skipped: [{ index: 0, reason: "invalid_phone" }] });
	});

	it("should not count a tap made before the message was sent as a click-through on it", async () => {
		const { key, campaignId } = await setup(0);
		const [link] = await (
			await api(baseEnv, `/api/v1/campaigns/${campaignId}/links`, {
				key,
				json: { recipients: [{ phone: "+14155552671" }] },
			})
		).response
			.json<{ links: { code: string }[] }>()
			.then((b) => b.links);
		const early = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(early.sent);
		await new Promise((resolve) => setTimeout(resolve, 5));
		const sent = await sendCampaign(baseEnv, key, campaignId, [{ phone: "+14155552671", timezone: DAYTIME() }]);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		const reported = await api(baseEnv, "/api/v1/messages/events", {
			key,
			json: { messageId: message?.id, status: "delivered" },
		});
		await deliver(reported.events.map((e) => e.body));
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ delivered: 1, tapped: 0 });

		const later = await tapCapturing(`/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(later.sent);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ delivered: 1, tapped: 1 });
	});

	it("should read a '+' that a URL turned into a space, and show a contact without taps as awareness", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		await api(appEnv, `/api/v1/campaigns/${campaignId}/links`, {
			key,
			json: { recipients: [{ phone: "+14155552671" }] },
		});
		const { response } = await api(appEnv, "/api/v1/contacts?phone=+14155552671", { key });
		expect(response.status).toBe(200);
		expect((await response.json<{ contact: { stage: string } }>()).contact.stage).toBe("awareness");
	});

	it("should answer 404, not a self-contradicting 405, for a path with a trailing slash", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/`, { key });
		expect(response.status).toBe(404);
	});

	it("should answer 400 for a bad query on the messages list", async () => {
		const { appEnv, key } = await setup(0);
		for (const query of ["limit=0", "limit=1000", "status=bogus"]) {
			const { response } = await api(appEnv, `/api/v1/messages?${query}`, { key });
			expect(response.status).toBe(400);
		}
	});
});
