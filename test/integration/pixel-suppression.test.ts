import { describe, expect, it } from "vitest";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import { runFollowUps } from "../../src/follow-ups/run";
import {
	call,
	deliver,
	IPHONE_SAFARI,
	mint,
	newCampaign,
	newWorkspace,
	requestCapturing,
	tapCapturing,
} from "../support/helpers";
import { capturingQueue } from "../support/queues";
import { twilioApp } from "../support/sms-campaign";
import { newTwilioAccount } from "../support/twilio";
import { zoneWhereHourIs } from "../support/zones";

// Which pixel purchases hold back a follow-up: never one on a click that was not a person's, and only those the
// workspace chose to count.

const HOUR = 3_600_000;
let phones = 0;

async function setup() {
	const { key, id: workspaceId } = await newWorkspace("Acme Shoes");
	const campaignId = await newCampaign(key, {
		name: "Spring",
		followUp: { enabled: true, message: "Still thinking it over? {link} Reply STOP to opt out" },
	});
	const [link] = await mint(key, campaignId, [
		{ phone: `+1415558${String(1000 + ++phones)}`, timezone: zoneWhereHourIs(12, Date.now() + 25 * HOUR) },
	]);
	if (!link) throw new Error("no link");
	return { key, workspaceId, campaignId, link, appEnv: twilioApp(newTwilioAccount()) };
}

async function tap(code: string, init: RequestInit) {
	const { response, sent } = await tapCapturing(`/${code}`, init);
	await deliver(sent);
	return { tlid: new URL(response.headers.get("location") ?? "").searchParams.get("tlid"), sent };
}

async function pixel(workspaceId: string, tlid: string, orderId: string) {
	const { sent } = await requestCapturing(
		`/p.gif?workspace=${workspaceId}&tlid=${tlid}&orderId=${orderId}&value=50&currency=USD`,
	);
	expect(sent).toHaveLength(1);
	await deliver(sent);
}

async function cron(appEnv: Env, at: number) {
	const sends = capturingQueue();
	const summary = await runFollowUps({ ...appEnv, SENDS: sends }, at);
	return { summary, sends: sends.sent };
}

describe("follow-up suppression by pixel purchases", () => {
	it("should still follow up after a pixel purchase on a HEAD request's click id", async () => {
		const s = await setup();
		await tap(s.link.code, { headers: { "user-agent": IPHONE_SAFARI } });
		// The attacker's HEAD tap: no tlid in Location, but say the click id leaked.
		const head = await tap(s.link.code, { method: "HEAD", headers: { "user-agent": IPHONE_SAFARI } });
		expect(head.tlid).toBeNull();
		const leaked = (head.sent[0] as TapsEnvelope).taps[0]?.id ?? "";
		await pixel(s.workspaceId, leaked, "HEAD-1");

		const run = await cron(s.appEnv, Date.now() + 25 * HOUR);
		expect(run.summary).toMatchObject({ queued: 1 });
		expect(run.sends).toHaveLength(1);
	});

	it("should hold back a follow-up for a pixel purchase on a human tap by default, not under confirmed", async () => {
		const counted = await setup();
		const human = await tap(counted.link.code, { headers: { "user-agent": IPHONE_SAFARI } });
		await pixel(counted.workspaceId, human.tlid ?? "", "OK-1");
		const skipped = await cron(counted.appEnv, Date.now() + 25 * HOUR);
		expect(skipped.sends).toEqual([]);
		expect(skipped.summary.skipped).toEqual({ purchased: 1 });

		const strict = await setup();
		const patched = await call("/api/v1/workspace", {
			method: "PATCH",
			key: strict.key,
			json: { countedPurchases: "confirmed" },
		});
		expect(patched.status).toBe(200);
		const tapped = await tap(strict.link.code, { headers: { "user-agent": IPHONE_SAFARI } });
		await pixel(strict.workspaceId, tapped.tlid ?? "", "STRICT-1");
		const run = await cron(strict.appEnv, Date.now() + 25 * HOUR);
		expect(run.sends).toHaveLength(1);
	});
});
