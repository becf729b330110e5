import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScheduled } from "../../../src/scheduled";
import { capturingQueue } from "../../support/queues";
import { messagesOf, sendCampaign, setup } from "../../support/sms-campaign";
import { runSends } from "../../support/sms-harness";
import { twilioRequests } from "../../support/twilio";

describe("the cron's sweep of stalled sends", () => {
	it("should queue again a pending message nothing will deliver, and settle a claim whose call died", async () => {
		const { account, appEnv, key, campaignId, people } = await setup(2);
		const sent = await sendCampaign(appEnv, key, campaignId, people);
		const [a, b] = await messagesOf(key, campaignId);
		const now = Date.now();
		// a: its queue message was lost 14 hours ago; b: claimed 20 minutes ago by a sender that never came back.
		await env.DB.batch([
			env.DB.prepare("UPDATE messages SET updated_at = ?2 WHERE id = ?1").bind(a?.id, now - 14 * 3600_000),
			env.DB.prepare("UPDATE messages SET status = 'submitting', updated_at = ?2 WHERE id = ?1").bind(
				b?.id,
				now - 20 * 60_000,
			),
		]);
		const sends = capturingQueue();
		await runScheduled({ ...appEnv, SENDS: sends }, now);
		expect(sends.sent.map((s) => s.body)).toContainEqual({ v: 1, type: "send", messageId: a?.id });
		expect(sends.sent.map((s) => s.body)).not.toContainEqual({ v: 1, type: "send", messageId: b?.id });
		const rows = await messagesOf(key, campaignId);
		expect(rows.find((m) => m.id === b?.id)).toMatchObject({ status: "unknown", errorCode: "stalled" });
		// The swept message goes out once, even with its original queue message turning up as well.
		await runSends(
			appEnv,
			[...sends.sent, ...sent.sends].map((s) => s.body),
		);
		expect((await twilioRequests(account)).map((r) => r.params.To)).toEqual([a?.phone]);
	});
});
