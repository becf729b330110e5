import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deliver, IPHONE_SAFARI, tapCapturing } from "../../support/helpers";
import { messagesOf, sendCampaign, setup, statsOf } from "../../support/sms-campaign";
import { api, baseEnv, runSends } from "../../support/sms-harness";

describe("erasing a contact", () => {
	it("should erase the phone, texts and click ties, stop the link, and keep the anonymous counts", async () => {
		const { appEnv, workspaceId, key, campaignId, people } = await setup(1);
		const sent = await sendCampaign(baseEnv, key, campaignId, people);
		await runSends(
			baseEnv,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		const code = String(message?.linkCode);
		const tap = await tapCapturing(`/${code}`, { headers: { "user-agent": IPHONE_SAFARI } });
		await deliver(tap.sent);
		const before = await statsOf(key, campaignId);

		const contactId = String(message?.contactId);
		const erased = await api(appEnv, `/api/v1/contacts/${contactId}`, { key, method: "DELETE" });
		expect(erased.response.status).toBe(200);
		expect((await api(appEnv, `/api/v1/contacts/${contactId}`, { key })).response.status).toBe(404);
		expect((await api(appEnv, "/api/v1/contacts?phone=%2B14155552671", { key })).response.status).toBe(404);
		expect((await tapCapturing(`/${code}`)).response.status).toBe(404);

		const [after] = await messagesOf(key, campaignId);
		expect(after).toMatchObject({ phone: null, body: null, providerMessageId: null, status: "sent" });
		const rows = await env.DB.prepare("SELECT contact_id, user_agent FROM clicks WHERE link_code = ?1")
			.bind(code)
			.all();
		expect(rows.results).toEqual([{ contact_id: null, user_agent: null }]);
		const phones = await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?1 AND phone = ?2")
			.bind(workspaceId, "+14155552671")
			.first();
		expect(phones).toEqual({ n: 0 });
		const stats = await statsOf(key, campaignId);
		expect(stats.messages).toEqual(before.messages);
	});
});
