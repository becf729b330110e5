import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newCampaign } from "../../support/helpers";
import { DAYTIME, messagesOf, sendCampaign, setup } from "../../support/sms-campaign";
import { api, runSends, type TestEnv } from "../../support/sms-harness";
import { twilioRequests } from "../../support/twilio";

// Send limits per workspace: a leaked key or an SMS-pumping run cannot pass the daily cap or reach numbers of
// countries the workspace does not sell in, whatever the order or concurrency of the requests.

async function setLimits(appEnv: TestEnv, key: string, limits: Record<string, unknown>) {
	const { response } = await api(appEnv, "/api/v1/workspace", { method: "PATCH", key, json: limits });
	expect(response.status, await response.clone().text()).toBe(200);
	return (await response.json<{ workspace: Record<string, unknown> }>()).workspace;
}

const US = (n: number) => `+1415555${String(2600 + n)}`;
const GB = "+447911123456";

describe("send limits", () => {
	it("should be settable through PATCH /workspace, and refuse junk with 422", async () => {
		const { appEnv, key } = await setup(0);
		const defaults = await api(appEnv, "/api/v1/workspace", { key });
		expect(await defaults.response.json()).toMatchObject({
			workspace: { dailySendCap: 10_000, allowedCountries: null },
		});
		expect(await setLimits(appEnv, key, { dailySendCap: 5, allowedCountries: ["us", "CA", "US"] })).toMatchObject({
			dailySendCap: 5,
			allowedCountries: ["CA", "US"],
		});
		for (const bad of [
			{ dailySendCap: -1 },
			{ dailySendCap: 1.5 },
			{ allowedCountries: ["XX"] },
			{ allowedCountries: [] },
		]) {
			const { response } = await api(appEnv, "/api/v1/workspace", { method: "PATCH", key, json: bad });
			expect(response.status, JSON.stringify(bad)).toBe(422);
		}
		expect(await setLimits(appEnv, key, { allowedCountries: null })).toMatchObject({ allowedCountries: null });
	});

	it("should skip numbers outside the allowed countries and sends past the daily cap, saying why", async () => {
		const { account, appEnv, key, campaignId } = await setup(0);
		await setLimits(appEnv, key, { dailySendCap: 2, allowedCountries: ["US"] });
		const timezone = DAYTIME();
		const recipients = [US(1), GB, US(2), US(3)].map((phone) => ({ phone, timezone }));

		const dry = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
			key,
			json: { recipients, message: "Hi {link}", dryRun: true },
		});
		const preview = await dry.response.json<{ messages: unknown[]; skipped: { index: number; reason: string }[] }>();
		expect(preview.messages).toHaveLength(2);
		expect(preview.skipped).toMatchObject([
			{ index: 1, reason: "country_not_allowed" },
			{ index: 3, reason: "daily_cap_reached" },
		]);

		const sent = await sendCampaign(appEnv, key, campaignId, recipients);
		expect(sent.status).toBe(202);
		expect(sent.body.queued).toBe(2);
		expect(sent.body.skipped).toMatchObject([
			{ index: 1, reason: "country_not_allowed", phone: GB },
			{ index: 3, reason: "daily_cap_reached", phone: US(3) },
		]);
		// The message past the cap is cancelled with its reason, so the sweep never queues it.
		const messages = await messagesOf(key, campaignId);
		expect(messages.find((m) => m.phone === US(3))).toMatchObject({
			status: "canceled",
			errorCode: "daily_cap_reached",
		});

		await runSends(
			appEnv,
			sent.sends.map((s) => s.body),
		);
		expect((await twilioRequests(account)).map((r) => r.params.To).sort()).toEqual([US(1), US(2)]);

		// The cap is reached: another campaign of the workspace sends nothing today.
		const next = await newCampaign(key, { name: "Later" });
		const again = await sendCampaign(appEnv, key, next, [{ phone: US(4), timezone }]);
		expect(again.body).toMatchObject({ queued: 0, skipped: [{ reason: "daily_cap_reached" }] });
	});

	it("should hold the cap when the sender claims, whatever concurrent or repeated sends decided", async () => {
		const { account, appEnv, key, campaignId, workspaceId } = await setup(0);
		await setLimits(appEnv, key, { dailySendCap: 3 });
		const timezone = DAYTIME();
		const other = await newCampaign(key, { name: "Other" });
		// Both requests are decided before anything was claimed: each sees the whole cap free.
		const [a, b] = await Promise.all([
			sendCampaign(
				appEnv,
				key,
				campaignId,
				[1, 2, 3].map((n) => ({ phone: US(n), timezone })),
			),
			sendCampaign(
				appEnv,
				key,
				other,
				[4, 5, 6].map((n) => ({ phone: US(n), timezone })),
			),
		]);
		expect(a.body.queued + b.body.queued).toBe(6);
		const bodies = [...a.sends, ...b.sends].map((s) => s.body);
		// Two consumers at once, then a redelivery of everything.
		await Promise.all([runSends(appEnv, bodies.slice(0, 3)), runSends(appEnv, bodies.slice(3))]);
		await runSends(appEnv, bodies, 2);
		expect(await twilioRequests(account)).toHaveLength(3);
		const all = [...(await messagesOf(key, campaignId)), ...(await messagesOf(key, other))];
		const capped = all.filter((m) => m.errorCode === "daily_cap_reached");
		expect(capped).toHaveLength(3);
		for (const m of capped) expect(m.status).toBe("canceled");
		const count = await env.DB.prepare("SELECT sent FROM send_counts WHERE workspace_id = ?1")
			.bind(workspaceId)
			.first<{ sent: number }>();
		expect(count?.sent).toBe(3);
	});

	it("should check the allowed countries again when the message is claimed", async () => {
		const { account, appEnv, key, campaignId } = await setup(0);
		const timezone = DAYTIME();
		const sent = await sendCampaign(appEnv, key, campaignId, [
			{ phone: GB, timezone },
			{ phone: US(1), timezone },
		]);
		expect(sent.body.queued).toBe(2);
		// A leaked key queued them; the owner narrows the list before the sender gets to them.
		await setLimits(appEnv, key, { allowedCountries: ["US"] });
		await runSends(
			appEnv,
			sent.sends.map((s) => s.body),
		);
		expect((await twilioRequests(account)).map((r) => r.params.To)).toEqual([US(1)]);
		const gb = (await messagesOf(key, campaignId)).find((m) => m.phone === GB);
		expect(gb).toMatchObject({ status: "canceled", errorCode: "country_not_allowed" });
	});
});
