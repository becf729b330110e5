import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OutgoingMessage } from "../../src/messages/queries";
import { sendableAt } from "../../src/messages/quiet-hours";
import {
	countryAllowed,
	judge,
	MAX_DELAY_SECONDS,
	quietDelaySeconds,
	secondsUntilNextDay,
	secondsUntilQuiet,
} from "../../src/messages/send-policy";

const NY = "+12125550123";
// 2026-12-02 15:00 UTC: 10:00 in New York, inside sending hours.
const DAY = Date.UTC(2026, 11, 2, 15);
// 2026-12-02 06:00 UTC: 01:00 in New York, quiet.
const NIGHT = Date.UTC(2026, 11, 2, 6);

function row(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
	return {
		id: "msg_1",
		workspaceId: "ws_1",
		campaignId: "cmp_1",
		contactId: "ct_1",
		kind: "campaign",
		status: "pending",
		body: "Hi {link}",
		phone: NY,
		timezone: null,
		optedOut: false,
		erased: false,
		purchasedSinceTap: false,
		followUpClosesAt: null,
		capEndsAt: null,
		...overrides,
	};
}

describe("judge: what the send consumer does with one claimed SMS", () => {
	it("should send a pending message in sending hours", () => {
		expect(judge(row(), DAY, true)).toMatchObject({ action: "send", row: { phone: NY, body: "Hi {link}" } });
	});

	it("should ack, never send, a message that is gone or no longer pending (claimed by an earlier delivery)", () => {
		expect(judge(undefined, DAY, true)).toEqual({ action: "ack" });
		for (const status of ["submitting", "queued", "sent", "delivered", "failed", "canceled", "unknown"] as const) {
			expect(judge(row({ status }), DAY, true), status).toEqual({ action: "ack" });
		}
	});

	it("should cancel for an erasure before an opt-out, and for an opt-out before anything a follow-up checks", () => {
		expect(judge(row({ erased: true, optedOut: true }), DAY, true)).toEqual({ action: "cancel", reason: "erased" });
		expect(judge(row({ phone: null }), DAY, true)).toEqual({ action: "cancel", reason: "erased" });
		expect(judge(row({ optedOut: true, purchasedSinceTap: true }), DAY, true)).toEqual({
			action: "cancel",
			reason: "opted_out",
		});
	});

	it("should cancel a follow-up after a purchase or once its window closed", () => {
		expect(judge(row({ kind: "followup", purchasedSinceTap: true }), DAY, true)).toEqual({
			action: "cancel",
			reason: "purchased",
		});
		expect(judge(row({ kind: "followup", followUpClosesAt: DAY - 1 }), DAY, true)).toEqual({
			action: "cancel",
			reason: "window_passed",
		});
	});

	it("should defer for the frequency cap and for quiet hours only when holding back, never past 12 hours", () => {
		const capped = row({ capEndsAt: DAY + 3_600_000 });
		expect(judge(capped, DAY, true)).toEqual({ action: "defer", delaySeconds: 3600 });
		expect(judge(row({ capEndsAt: DAY + 30 * 3_600_000 }), DAY, true)).toEqual({
			action: "defer",
			delaySeconds: MAX_DELAY_SECONDS,
		});
		expect(judge(capped, DAY, false).action).toBe("send");
		const night = judge(row(), NIGHT, true);
		expect(night.action).toBe("defer");
		expect(judge(row(), NIGHT, false).action).toBe("send");
	});

	it("should defer a night send exactly until sending hours open, or 12 hours if that is later", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 7 * 86_400_000 }), (offset) => {
				const now = NIGHT + offset;
				const contact = { phone: NY, timezone: null };
				const delay = quietDelaySeconds(now, contact);
				const opens = sendableAt(now, contact);
				if (opens <= now) return delay === 0;
				return delay === Math.min(MAX_DELAY_SECONDS, Math.ceil((opens - now) / 1000));
			}),
		);
	});
});

describe("secondsUntilQuiet: the Twilio ValidityPeriod of a send", () => {
	it("should end a message's validity when sending hours close, within a minute, at least a minute and at most 10 hours", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 7 * 86_400_000 }), (offset) => {
				const now = DAY + offset;
				const contact = { phone: NY, timezone: null };
				if (sendableAt(now, contact) > now) return true;
				const seconds = secondsUntilQuiet(now, contact);
				const open = (t: number) => sendableAt(t, contact) <= t;
				if (seconds < 60 || seconds > 36_000) return false;
				if (seconds === 36_000) return open(now + 36_000_000);
				// Quiet when it ends, and open a minute before (unless the minute floor is all there is).
				return !open(now + seconds * 1000) && (seconds === 60 || open(now + (seconds - 60) * 1000));
			}),
		);
	});
});

describe("countryAllowed: the workspace's allowed-countries list", () => {
	it("should allow any number without a list, and only listed countries with one", () => {
		expect(countryAllowed("+447911123456", null)).toBe(true);
		expect(countryAllowed("+447911123456", ["US", "CA"])).toBe(false);
		expect(countryAllowed("+14155552671", ["US"])).toBe(true);
		// +1 is shared: Canada's area codes are Canada, not the US.
		expect(countryAllowed("+16135550123", ["US"])).toBe(false);
		expect(countryAllowed("+16135550123", ["CA"])).toBe(true);
		// A number whose country cannot be told is refused under a list: pumping favours odd ranges.
		expect(countryAllowed("+999123456", ["US"])).toBe(false);
		expect(countryAllowed("not a number", ["US"])).toBe(false);
	});
});

describe("secondsUntilNextDay: a capped follow-up waits for the next UTC day", () => {
	it("should wait until midnight UTC, at most the queue's 12 hours", () => {
		const midnight = Date.UTC(2026, 0, 2);
		expect(secondsUntilNextDay(midnight - 60_000)).toBe(60);
		expect(secondsUntilNextDay(midnight - 1)).toBe(1);
		expect(secondsUntilNextDay(midnight + 1)).toBe(MAX_DELAY_SECONDS);
	});
});
