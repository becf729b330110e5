import { describe, expect, it } from "vitest";
import { sendCampaign, setup } from "../../support/sms-campaign";
import { runSends } from "../../support/sms-harness";
import { twilioRequests } from "../../support/twilio";
import { zoneWhereHourIs } from "../../support/zones";

describe("quiet hours", () => {
	it("should hold a send made at night until the recipient's morning, and re-check it when it comes back", async () => {
		const { account, appEnv, key, campaignId } = await setup(1);
		const night = zoneWhereHourIs(3);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "+14155552671", timezone: night }]);
		expect(sent.body).toMatchObject({ queued: 1, deferred: 1 });
		const delay = sent.sends[0]?.delaySeconds ?? 0;
		// 03:xx to 08:00 local: between four and five hours.
		expect(delay).toBeGreaterThan(4 * 3600 - 3600);
		expect(delay).toBeLessThanOrEqual(5 * 3600);

		// Delivered early anyway (queues may): deferred again, nothing sent.
		const run = await runSends(appEnv, [sent.sends[0]?.body]);
		expect(run.explicitAcks).toHaveLength(1);
		expect(run.requeued).toHaveLength(1);
		expect(run.requeued[0]?.delaySeconds).toBeGreaterThan(0);
		expect(await twilioRequests(account)).toHaveLength(0);

		// In the morning it goes out.
		const morning = Date.now() + delay * 1000 + 60_000;
		const later = await runSends(appEnv, [sent.sends[0]?.body], 1, morning);
		expect(later.requeued).toHaveLength(0);
		expect(await twilioRequests(account)).toHaveLength(1);
	});
});

describe("quiet hours from the phone number", () => {
	it("should hold a Connecticut number at 20:01 New York time for the 12 hours a queue delay allows", async () => {
		const { account, appEnv, key, campaignId } = await setup(0);
		const sent = await sendCampaign(appEnv, key, campaignId, [{ phone: "+12034561234" }]);
		// 2026-06-17 20:01 EDT: past Connecticut's 20:00; it opens at 09:00, 13 hours on, beyond one delay.
		const evening = Date.parse("2026-06-18T00:01:00Z");
		const run = await runSends(appEnv, [sent.sends[0]?.body], 1, evening);
		expect(run.requeued[0]?.delaySeconds).toBe(43_200);
		// Twelve hours later, 08:01: still an hour to wait.
		const early = await runSends(appEnv, [sent.sends[0]?.body], 1, evening + 43_200_000);
		expect(early.requeued[0]?.delaySeconds).toBe(59 * 60);
		const open = await runSends(appEnv, [sent.sends[0]?.body], 1, Date.parse("2026-06-18T13:00:00Z"));
		expect(open.requeued).toHaveLength(0);
		expect(await twilioRequests(account)).toHaveLength(1);
	});
});
