import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	advance,
	MESSAGE_STATUSES,
	type MessageStatus,
	normaliseProviderStatus,
	PROVIDER_STATUSES,
	STATUS_RANK_SQL,
	statusRank,
	statusRankSql,
} from "../../src/messages/status";

const status = fc.constantFrom(...MESSAGE_STATUSES);
const FINAL: MessageStatus[] = ["delivered", "undelivered", "failed", "canceled"];

describe("normaliseProviderStatus", () => {
	it.each([
		["accepted", "queued"],
		["scheduled", "queued"],
		["queued", "queued"],
		["sending", "sending"],
		["sent", "sent"],
		["delivered", "delivered"],
		["undelivered", "undelivered"],
		["failed", "failed"],
		["read", "read"],
		["canceled", "canceled"],
		[" Delivered ", "delivered"],
		["FAILED", "failed"],
	])("should map %j to %s", (raw, expected) => {
		expect(normaliseProviderStatus(raw)).toBe(expected);
	});

	it.each(["receiving", "received", "partially_delivered", "", "constructor", "toString", "pending", "unknown"])(
		"should reject %j",
		(raw) => {
			expect(normaliseProviderStatus(raw)).toBeNull();
		},
	);

	it("should map every provider status", () => {
		for (const raw of PROVIDER_STATUSES) expect(normaliseProviderStatus(raw)).not.toBeNull();
	});
});

describe("statusRank", () => {
	it("should order the lifecycle", () => {
		const order: MessageStatus[][] = [
			["pending"],
			["submitting"],
			["unknown"],
			["queued"],
			["sending"],
			["sent"],
			["delivered", "undelivered", "failed", "canceled"],
			["read"],
		];
		order.forEach((group, i) => {
			for (const s of group) expect(statusRank(s)).toBe(i);
		});
	});
});

describe("advance", () => {
	it("should move forward and never back", () => {
		expect(advance("pending", "submitting")).toBe("submitting");
		expect(advance("submitting", "unknown")).toBe("unknown");
		expect(advance("unknown", "queued")).toBe("queued");
		expect(advance("delivered", "sent")).toBe("delivered");
		expect(advance("sent", "queued")).toBe("sent");
		expect(advance("submitting", "pending")).toBe("submitting");
	});

	it("should keep the first final outcome", () => {
		expect(advance("delivered", "failed")).toBe("delivered");
		expect(advance("failed", "delivered")).toBe("failed");
		expect(advance("undelivered", "canceled")).toBe("undelivered");
	});

	it("should let read follow delivered, and any earlier state", () => {
		expect(advance("delivered", "read")).toBe("read");
		expect(advance("sent", "read")).toBe("read");
		expect(advance("read", "delivered")).toBe("read");
	});

	it("should be idempotent", () => {
		fc.assert(
			fc.property(status, status, (a, x) => {
				expect(advance(advance(a, x), x)).toBe(advance(a, x));
			}),
		);
	});

	it("should never lower the rank", () => {
		fc.assert(
			fc.property(status, status, (a, x) => {
				expect(statusRank(advance(a, x))).toBeGreaterThanOrEqual(statusRank(a));
				expect(statusRank(advance(a, x))).toBe(Math.max(statusRank(a), statusRank(x)));
			}),
		);
	});

	it("should end in the same state whatever order receipts arrive in, when at most one final outcome is reported", () => {
		const nonFinal = fc.constantFrom<MessageStatus>(
			"pending",
			"submitting",
			"unknown",
			"queued",
			"sending",
			"sent",
			"read",
		);
		const receipts = fc
			.tuple(fc.array(nonFinal, { maxLength: 6 }), fc.option(fc.constantFrom(...FINAL), { nil: undefined }))
			.map(([rest, final]) => (final ? [...rest, final, final] : rest));
		fc.assert(
			fc.property(
				receipts.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))),
				([list, shuffled]) => {
					expect(shuffled.reduce(advance, "pending")).toBe(list.reduce(advance, "pending"));
				},
			),
		);
	});
});

describe("statusRankSql", () => {
	it("should give the same ranks as statusRank in SQLite", async () => {
		const { env } = await import("cloudflare:test");
		for (const s of [...MESSAGE_STATUSES, "bogus"]) {
			const row = await env.DB.prepare(`SELECT ${statusRankSql("s")} AS rank FROM (SELECT ? AS s)`)
				.bind(s)
				.first<{ rank: number }>();
			expect(row?.rank).toBe(s === "bogus" ? -1 : statusRank(s as MessageStatus));
		}
	});

	it("should refuse anything but a column name", () => {
		expect(() => statusRankSql("status; DROP TABLE messages")).toThrow();
		expect(() => statusRankSql("m.status")).not.toThrow();
		expect(STATUS_RANK_SQL).toContain("CASE status");
	});
});
