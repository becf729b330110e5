import { z } from "zod";
import { recordConsent } from "../consent/queries";
import { retryDelaySeconds } from "../events/consume";
import { skipCancelledFollowUp } from "../follow-ups/queries";
import { type SendOutcome, sendTwilioMessage } from "../twilio/client";
import { emitEvents } from "../webhooks/emit";
import { contactOptedOut } from "../webhooks/events";
import {
	applyChanges,
	cancelPending,
	loadOutgoing,
	markSubmitting,
	type OutgoingMessage,
	releaseClaim,
	type StatusChange,
	touchPending,
} from "./queries";
import { sendableAt } from "./quiet-hours";
import { UNSUBSCRIBED_CODE } from "./receipts";
import { type SmsSettings, smsSettings } from "./settings";
import { normaliseProviderStatus } from "./status";

export const SENDS_QUEUE = "tapline-sends";

/** One SMS to send, by the id of its claim row. */
export const SendMessage = z.object({ v: z.literal(1), type: z.literal("send"), messageId: z.string().min(1).max(64) });
export type SendMessage = z.infer<typeof SendMessage>;

/** Does this batch come from the send queue? Its messages are sends, whatever the queue is called. */
export function isSendBatch(batch: MessageBatch<unknown>): boolean {
	return SendMessage.safeParse(batch.messages[0]?.body).success;
}

// Queues delay a message by at most 12 hours; a send deferred longer is deferred again when it comes back.
export const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Seconds to hold a send back so that it arrives inside the recipient's sending hours (0: now). */
export function quietDelaySeconds(now: number, contact: { phone: string; timezone: string | null }): number {
	const at = sendableAt(now, contact);
	return at <= now ? 0 : Math.min(MAX_DELAY_SECONDS, Math.ceil((at - now) / 1000));
}

// Twilio keeps a message queued for at most 10 hours (ValidityPeriod 36000 s).
const MAX_VALIDITY_SECONDS = 36_000;

/**
 * Seconds from `now` (inside the sending hours) until they close, capped at Twilio's 10 hours. Passed as the
 * message's ValidityPeriod, so that a backlog in Twilio's queue cannot deliver it at night: it expires instead.
 * Sending hours last at most 13 hours and quiet ones at least 11, so the open stretch from `now` is one interval
 * and a binary search over minutes finds its end.
 */
export function secondsUntilQuiet(now: number, contact: { phone: string; timezone: string | null }): number {
	const open = (t: number) => sendableAt(t, contact) <= t;
	let lo = 0;
	let hi = MAX_VALIDITY_SECONDS / 60;
	if (open(now + hi * 60_000)) return MAX_VALIDITY_SECONDS;
	while (hi - lo > 1) {
		const mid = Math.floor((lo + hi) / 2);
		if (open(now + mid * 60_000)) lo = mid;
		else hi = mid;
	}
	return Math.max(60, hi * 60);
}

type Verdict =
	| { action: "ack" }
	| { action: "cancel"; reason: CancelReason }
	| { action: "defer"; delaySeconds: number }
	| { action: "send"; row: OutgoingMessage & { phone: string; body: string } };

type CancelReason = "erased" | "opted_out" | "purchased" | "window_passed";

/** `holdBack`: whether quiet hours and the cap defer a send (not for the outbox, which texts nobody). */
function judge(row: OutgoingMessage | undefined, now: number, holdBack: boolean): Verdict {
	// Gone, or claimed by an earlier delivery of this queue message: never sent twice.
	if (row?.status !== "pending") return { action: "ack" };
	if (row.erased || !row.phone || !row.body) return { action: "cancel", reason: "erased" };
	if (row.optedOut) return { action: "cancel", reason: "opted_out" };
	// A follow-up is for contacts who have not bought, and only within its window.
	if (row.purchasedSinceTap) return { action: "cancel", reason: "purchased" };
	if (row.followUpClosesAt !== null && now > row.followUpClosesAt) return { action: "cancel", reason: "window_passed" };
	// The frequency cap: another SMS went out since the follow-up was picked (say, a campaign send).
	if (holdBack && row.capEndsAt !== null && row.capEndsAt > now) {
		return { action: "defer", delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil((row.capEndsAt - now) / 1000)) };
	}
	const delaySeconds = holdBack ? quietDelaySeconds(now, { phone: row.phone, timezone: row.timezone }) : 0;
	if (delaySeconds > 0) return { action: "defer", delaySeconds };
	return { action: "send", row: { ...row, phone: row.phone, body: row.body } };
}

/**
 * The send queue consumer. Each queue message names one claim row. The row is claimed (pending → submitting) in one
 * conditional UPDATE before the provider is called, so a redelivered queue message finds it taken and texts nobody.
 * Opt-outs and quiet hours are checked again here: a STOP that arrived after the send request wins.
 */
export async function consumeSends(batch: MessageBatch<unknown>, env: Env, now = Date.now()): Promise<void> {
	const config = smsSettings(env);
	if (!config.ok) {
		console.error(JSON.stringify({ msg: "SMS sending is not configured; retrying later", problems: config.problems }));
		for (const message of batch.messages) message.retry({ delaySeconds: 300 });
		return;
	}
	const settings = config.settings;

	const byId = new Map<string, Message<unknown>>();
	for (const message of batch.messages) {
		const parsed = SendMessage.safeParse(message.body);
		if (parsed.success) byId.set(parsed.data.messageId, message);
		else {
			console.error(JSON.stringify({ msg: "invalid send message dropped", id: message.id, body: message.body }));
			message.ack();
		}
	}
	if (byId.size === 0) return;

	let rows: Map<string, OutgoingMessage>;
	try {
		rows = await loadOutgoing(env.DB, [...byId.keys()], now);
	} catch (err) {
		for (const message of byId.values()) retry(message, err);
		return;
	}

	const cancels: { id: string; reason: CancelReason; followUp: boolean }[] = [];
	const deferred: string[] = [];
	const toSend: (OutgoingMessage & { phone: string; body: string })[] = [];
	for (const [id, message] of byId) {
		// The outbox texts nobody, so it holds nothing back (night, cap).
		const verdict = judge(rows.get(id), now, settings.provider !== "outbox");
		if (verdict.action === "ack") message.ack();
		else if (verdict.action === "cancel") {
			cancels.push({ id, reason: verdict.reason, followUp: rows.get(id)?.kind === "followup" });
		} else if (verdict.action === "send") toSend.push(verdict.row);
		else {
			try {
				await env.SENDS.send(message.body, { contentType: "json", delaySeconds: verdict.delaySeconds });
				deferred.push(id);
				message.ack();
			} catch (err) {
				retry(message, err);
			}
		}
	}

	let claimed: Set<string>;
	try {
		const writes = cancels.flatMap((c) => [
			cancelPending(env.DB, c.id, c.reason, now),
			// The follow-up's row says why it did not go; an erased contact's is skipped as an opt-out, as the erasure does.
			...(c.followUp ? [skipCancelledFollowUp(env.DB, c.id, c.reason === "erased" ? "opted_out" : c.reason, now)] : []),
		]);
		// A deferred message is still looked after: the cron's sweep leaves it alone for another 13 hours.
		if (deferred.length > 0) writes.push(touchPending(env.DB, deferred, now));
		if (writes.length > 0) await env.DB.batch(writes);
		claimed = await markSubmitting(
			env.DB,
			toSend.map((r) => r.id),
			settings.provider,
			now,
		);
	} catch (err) {
		for (const { id } of [...cancels, ...toSend]) {
			const message = byId.get(id);
			if (message) retry(message, err);
		}
		return;
	}
	for (const { id } of cancels) byId.get(id)?.ack();
	// Not won: taken by another delivery, or the contact opted out between the read and the claim.
	for (const row of toSend) if (!claimed.has(row.id)) byId.get(row.id)?.ack();

	const sent = await Promise.all(
		toSend.filter((r) => claimed.has(r.id)).map(async (row) => ({ row, outcome: await deliver(settings, row, now) })),
	);
	const outcomes = sent.map(({ row, outcome }) => outcomeStatements(env.DB, row, outcome, now));
	const writes = [
		...applyChanges(
			env.DB,
			outcomes.flatMap((o) => o.changes),
			now,
		),
		...outcomes.flatMap((o) => o.statements),
	];
	let recorded = true;
	try {
		if (writes.length > 0) await env.DB.batch(writes);
	} catch (err) {
		recorded = false;
		// The provider calls were made: the rows stay `submitting`, never resent. The cron's sweep makes them
		// `unknown` after 15 minutes, and Twilio's receipts (which carry Tapline's id) still move them on.
		console.error(
			JSON.stringify({ msg: "send outcomes not recorded", error: String(err), ids: sent.map((s) => s.row.id) }),
		);
	}
	const optOuts = sent
		.filter(({ outcome }) => outcome.kind === "unsubscribed")
		.map(({ row }) =>
			contactOptedOut({
				workspaceId: row.workspaceId,
				contactId: row.contactId,
				phone: row.phone,
				source: "provider",
				sourceId: `message:${row.id}`,
				at: now,
			}),
		);
	try {
		// Told only once the opt-out is stored.
		if (recorded) await emitEvents(env, optOuts);
	} catch (err) {
		console.error(JSON.stringify({ msg: "opt-out webhooks not queued", error: String(err) }));
	}
	for (const { row, outcome } of sent) {
		const message = byId.get(row.id);
		if (!message) continue;
		if (outcome.kind === "throttled") message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		else if (outcome.kind === "misconfigured") {
			console.error(
				JSON.stringify({ msg: "Twilio refused the account or sender; fix the configuration", code: outcome.code }),
			);
			message.retry({ delaySeconds: 300 });
		} else message.ack();
		if (outcome.kind !== "accepted") {
			console.log(JSON.stringify({ msg: "send not accepted", id: row.id, outcome: outcome.kind, code: outcome.code }));
		}
	}
}

async function deliver(
	settings: SmsSettings,
	row: { id: string; phone: string; body: string; timezone: string | null },
	now: number,
): Promise<SendOutcome> {
	if (settings.provider === "outbox") return { kind: "accepted", providerMessageId: "", providerStatus: "sent" };
	return sendTwilioMessage(settings, {
		to: row.phone,
		body: row.body,
		validitySeconds: secondsUntilQuiet(now, row),
		// Tapline's id rides along, so a receipt for a send whose answer was lost still finds its message.
		statusCallback: `${settings.statusCallbackUrl}?messageId=${encodeURIComponent(row.id)}`,
	});
}

function outcomeStatements(
	d1: D1Database,
	row: OutgoingMessage,
	outcome: SendOutcome,
	now: number,
): { changes: StatusChange[]; statements: D1PreparedStatement[] } {
	const failed = (status: "failed" | "unknown", o: { code: string; message: string }): StatusChange => ({
		messageId: row.id,
		status,
		at: now,
		errorCode: o.code,
		errorMessage: o.message,
	});
	switch (outcome.kind) {
		case "accepted":
			return {
				changes: [
					{
						messageId: row.id,
						status: normaliseProviderStatus(outcome.providerStatus) ?? "queued",
						at: now,
						providerMessageId: outcome.providerMessageId || null,
						submittedAt: now,
					},
				],
				statements: [],
			};
		case "throttled":
		case "misconfigured":
			return { changes: [], statements: [releaseClaim(d1, row.id, now)] };
		case "unsubscribed":
			return {
				changes: [failed("failed", outcome)],
				statements: recordConsent(d1, {
					workspaceId: row.workspaceId,
					contactId: row.contactId,
					kind: "opt_out",
					source: "provider",
					detail: UNSUBSCRIBED_CODE,
					sourceId: `message:${row.id}`,
					at: now,
				}),
			};
		case "rejected":
			return { changes: [failed("failed", outcome)], statements: [] };
		case "unknown":
			return { changes: [failed("unknown", outcome)], statements: [] };
	}
}

function retry(message: Message<unknown>, err: unknown): void {
	const delaySeconds = retryDelaySeconds(message.attempts);
	console.error(JSON.stringify({ msg: "send failed; retrying", id: message.id, delaySeconds, error: String(err) }));
	message.retry({ delaySeconds });
}
