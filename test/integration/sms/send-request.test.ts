import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAYTIME, messagesOf, sendCampaign, setup, statsOf, TEMPLATE } from "../../support/sms-campaign";
import { api, baseEnv, runSends, type TestEnv } from "../../support/sms-harness";
import { zoneWhereHourIs } from "../../support/zones";

describe("the send request", () => {
	it("should report invalid phones, duplicates and the rendered texts of a dry run, writing nothing", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		const zone = DAYTIME();
		const { response } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
			key,
			json: {
				dryRun: true,
				message: "Hola {firstName}! Oferta: {link} — STOP para salir",
				recipients: [
					{ phone: "+14155552671", firstName: "Ana", timezone: zone },
					{ phone: "not a phone" },
					{ phone: "+1 (415) 555-2671", firstName: "Ana", timezone: zone },
				],
			},
		});
		expect(response.status).toBe(200);
		const body = await response.json<{
			messages: { body: string; encoding: string; segments: number; units: number }[];
			totals: { messages: number; segments: number };
			skipped: { index: number; reason: string }[];
		}>();
		expect(body.skipped).toMatchObject([
			{ index: 1, reason: "invalid_phone" },
			{ index: 2, reason: "duplicate" },
		]);
		// The em dash is not in the GSM alphabet: the whole text is UCS-2.
		expect(body.messages).toHaveLength(1);
		expect(body.messages[0]?.body).toMatch(/^Hola Ana! Oferta: https:\/\/tap\.example\/x{7} — STOP para salir$/);
		expect(body.messages[0]).toMatchObject({ encoding: "UCS-2", segments: 1 });
		expect(body.totals).toEqual({ messages: 1, segments: 1 });
		expect(await messagesOf(key, campaignId)).toHaveLength(0);
		const links = await api(appEnv, `/api/v1/campaigns/${campaignId}/stats`, { key });
		expect((await links.response.json<{ links: number }>()).links).toBe(0);
	});

	it("should refuse a template without {link} or with an unknown placeholder, and bad recipients, with 422", async () => {
		const { appEnv, key, campaignId } = await setup(0);
		for (const [message, recipients] of [
			["Sale today, no link", [{ phone: "+14155552671" }]],
			["Hi {nickname} {link}", [{ phone: "+14155552671" }]],
			["Hi {link}", [{ phone: "+14155552671", colour: "red" }]],
		] as [string, unknown[]][]) {
			const { response, sends } = await api(appEnv, `/api/v1/campaigns/${campaignId}/send`, {
				key,
				json: { message, recipients },
			});
			expect(response.status).toBe(422);
			expect((await response.json<{ error: { code: string } }>()).error.code).toBe("validation_failed");
			expect(sends).toHaveLength(0);
		}
		expect(await messagesOf(key, campaignId)).toHaveLength(0);
	});

	it("should answer 503 and send nothing when Twilio is chosen but not configured", async () => {
		const { key, campaignId, people } = await setup(1);
		const { response, sends } = await api(
			{ ...env, SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "" } as TestEnv,
			`/api/v1/campaigns/${campaignId}/send`,
			{ key, json: { message: TEMPLATE, recipients: people } },
		);
		expect(response.status).toBe(503);
		const { error } = await response.json<{ error: { code: string; details: { message: string }[] } }>();
		expect(error.code).toBe("not_configured");
		expect(error.details.map((d) => d.message).join(" ")).toMatch(
			/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM.*PUBLIC_URL/,
		);
		expect(sends).toHaveLength(0);
	});

	it("should keep rendered messages in the outbox when no provider is configured, night or day", async () => {
		const { key, campaignId } = await setup(0);
		const outbox = { ...baseEnv };
		// The outbox texts nobody, so quiet hours hold nothing back.
		const sent = await sendCampaign(outbox, key, campaignId, [
			{ phone: "+14155552671", firstName: "Ada", timezone: zoneWhereHourIs(3) },
		]);
		expect(sent.body).toMatchObject({ queued: 1, deferred: 0 });
		expect(sent.sends[0]?.delaySeconds).toBeUndefined();
		await runSends(
			outbox,
			sent.sends.map((s) => s.body),
		);
		const [message] = await messagesOf(key, campaignId);
		expect(message).toMatchObject({ provider: "outbox", status: "sent", phone: "+14155552671" });
		expect(String(message?.body)).toMatch(/^Hi Ada, 20% off today: https:\/\/tapline\.test\/[0-9A-Za-z]{7} /);
		expect((await statsOf(key, campaignId)).messages).toMatchObject({ sent: 1, total: 1 });
	});
});
