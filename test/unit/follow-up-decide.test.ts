import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide } from "../../src/follow-ups/decide";
import type { Candidate } from "../../src/follow-ups/queries";
import { sendableAt } from "../../src/messages/quiet-hours";

const HOUR = 3_600_000;
const CAMPAIGN = { afterHours: 24, windowHours: 48, frequencyCapHours: 24 };
// 2026-11-27 15:00 UTC: 10:00 in New York.
const NOW = Date.UTC(2026, 10, 27, 15);

function candidate(overrides: Partial<Candidate> = {}): Candidate {
	return {
		linkCode: "abc1234",
		contactId: "ct_1",
		firstTapAt: NOW - 30 * HOUR,
		phone: "+12125550123",
		timezone: "America/New_York",
		externalId: null,
		optedOut: false,
		purchased: false,
		lastMessageAt: null,
		waitingOn: null,
		...overrides,
	};
}

describe("deciding a follow-up", () => {
	it("should text a contact inside the window and the sending hours, with nothing in the way", () => {
		expect(decide(candidate(), CAMPAIGN, NOW, true)).toEqual({
			status: "sent",
			reason: null,
			heldBy: null,
			retryAt: null,
		});
	});

	it("should put a purchase before everything else, even a closed window", () => {
		expect(decide(candidate({ purchased: true, optedOut: true }), CAMPAIGN, NOW, true)).toMatchObject({
			status: "skipped",
			reason: "purchased",
		});
		expect(decide(candidate({ purchased: true, firstTapAt: NOW - 100 * HOUR }), CAMPAIGN, NOW, true)).toMatchObject({
			status: "skipped",
			reason: "purchased",
		});
	});

	it("should keep on record that quiet hours or the cap held back a contact who then bought or opted out", () => {
		expect(decide(candidate({ purchased: true, waitingOn: "quiet_hours" }), CAMPAIGN, NOW, true)).toEqual({
			status: "skipped",
			reason: "purchased",
			heldBy: "quiet_hours",
			retryAt: null,
		});
		const late = candidate({ optedOut: true, waitingOn: "capped", firstTapAt: NOW - 80 * HOUR });
		expect(decide(late, CAMPAIGN, NOW, true)).toMatchObject({ reason: "opted_out", heldBy: "capped" });
		// An opt-out is not a hold: nothing to compare.
		expect(decide(candidate({ purchased: true, waitingOn: "opted_out" }), CAMPAIGN, NOW, true).heldBy).toBeNull();
	});

	it("should wait on an opt-out while the window is open, and skip it for good once it closes", () => {
		expect(decide(candidate({ optedOut: true }), CAMPAIGN, NOW, true)).toEqual({
			status: "waiting",
			reason: "opted_out",
			heldBy: null,
			retryAt: NOW + HOUR,
		});
		const late = candidate({ firstTapAt: NOW - 73 * HOUR, waitingOn: "opted_out" });
		expect(decide(late, CAMPAIGN, NOW, true)).toMatchObject({ status: "skipped", reason: "opted_out" });
	});

	it("should wait for the cap to run out, counted from the last SMS", () => {
		const lastMessageAt = NOW - 20 * HOUR;
		expect(decide(candidate({ lastMessageAt }), CAMPAIGN, NOW, true)).toEqual({
			status: "waiting",
			reason: "capped",
			heldBy: null,
			retryAt: lastMessageAt + 24 * HOUR,
		});
		expect(decide(candidate({ lastMessageAt }), { ...CAMPAIGN, frequencyCapHours: 0 }, NOW, true).status).toBe("sent");
	});

	it("should say what held a contact back when the window closed on them", () => {
		const late = candidate({ firstTapAt: NOW - 72 * HOUR - 1, waitingOn: "quiet_hours" });
		expect(decide(late, CAMPAIGN, NOW, true)).toEqual({
			status: "skipped",
			reason: "window_passed",
			heldBy: "quiet_hours",
			retryAt: null,
		});
		// The last millisecond of the window still counts.
		expect(decide(candidate({ firstTapAt: NOW - 72 * HOUR }), CAMPAIGN, NOW, true).status).toBe("sent");
	});

	it("should wait until the contact's sending hours open, and never text at night", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 7 * 24 * 60 }),
				fc.constantFrom("America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo", null),
				(minutes, timezone) => {
					const now = NOW + minutes * 60_000;
					const c = candidate({ firstTapAt: now - 30 * HOUR, timezone });
					const decision = decide(c, CAMPAIGN, now, true);
					const opens = sendableAt(now, c);
					if (opens <= now) expect(decision.status).toBe("sent");
					else expect(decision).toEqual({ status: "waiting", reason: "quiet_hours", heldBy: null, retryAt: opens });
					// The outbox texts nobody and holds nothing back.
					expect(decide(c, CAMPAIGN, now, false).status).toBe("sent");
				},
			),
		);
	});
});
