import { config as readConfig, type SmsSettings } from "../config";
import { recordConsent } from "../consent/queries";
import { emitEvents } from "../outbound-webhooks/emit";
import { contactOptedOut } from "../outbound-webhooks/events";
import { retryDelaySeconds } from "../queue/backoff";
import { receive, retryLater } from "../queue/policy";
import {
	applyChanges,
	cancelPending,
	loadOutgoing,
	markSubmitting,
	type OutgoingMessage,
	releaseClaim,
	type StatusChange,
	skipCancelledFollowUp,
	touchPending,
} from "./queries";
import { UNSUBSCRIBED_CODE } from "./receipts";
import { SendEnvelope } from "./send-envelope";
import { loadSendLimits, refundSends, reserveSends } from "./send-limits";
import { type CancelReason, countryAllowed, judge, secondsUntilNextDay, secondsUntilQuiet } from "./send-policy";
import { normaliseProviderStatus } from "./status";
import { type SendOutcome, sendTwilioMessage } from "./twilio-client";

/**
 * The send queue consumer. Each queue message names one claim row. The row is claimed (pending → submitting) in one
 * conditional UPDATE before the provider is called, so a redelivered queue message finds it taken and texts nobody.
 * Opt-outs and quiet hours are checked again here: a STOP that arrived after the send request wins. So are the
 * workspace's send limits: the allowed countries, and the daily cap, whose count is reserved atomically in D1 before
 * the claim, so concurrent or repeated sends cannot pass it.
 */
export async function consumeSends(batch: MessageBatch<unknown>, env: Env, now = Date.now()): Promise<void> {
	const received = await receive(batch, SendEnvelope.schema, env.SENDS_DEAD_LETTERS);
	const config = readConfig(env).sms;
	if (!config.ok) {
		console.error(JSON.stringify({ msg: "SMS sending is not configured; retrying later", problems: config.problems }));
		for (const { message } of received) message.retry({ delaySeconds: 300 });
		return;
	}
	const settings = config.settings;

	const byId = new Map<string, Message<unknown>>();
	for (const { message, body } of received) byId.set(body.messageId, message);
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
	const toSend: Sendable[] = [];
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

	let reserved: Map<string, number>;
	try {
		reserved = await applySendLimits(env, toSend, cancels, deferred, byId, now);
	} catch (err) {
		for (const row of toSend) {
			const message = byId.get(row.id);
			if (message) retry(message, err);
		}
		return;
	}
	toSend.splice(0, toSend.length, ...toSend.filter((row) => reserved.has(row.workspaceId) && !row.limited));

	let claimed: Set<string>;
	try {
		const writes = cancels.flatMap((c) => {
			// The follow-up's row says why it did not go; an erased contact's is skipped as an opt-out, as the erasure
			// does. A send limit is the message's own reason (error_code), not one of the follow-up's.
			const reason = c.reason === "erased" ? "opted_out" : c.reason;
			const followUpReason = reason === "country_not_allowed" || reason === "daily_cap_reached" ? null : reason;
			return [
				cancelPending(env.DB, c.id, c.reason, now),
				...(c.followUp && followUpReason ? [skipCancelledFollowUp(env.DB, c.id, followUpReason, now)] : []),
			];
		});
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
		await refundAll(env.DB, reserved, now);
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
	// What was reserved for messages this delivery did not win goes back to the day's count.
	const won = new Map<string, number>();
	for (const row of toSend) if (claimed.has(row.id)) won.set(row.workspaceId, (won.get(row.workspaceId) ?? 0) + 1);
	const refunds = [...reserved]
		.filter(([workspaceId, n]) => n > (won.get(workspaceId) ?? 0))
		.map(([workspaceId, n]) => refundSends(env.DB, workspaceId, now, n - (won.get(workspaceId) ?? 0)));
	const writes = [
		...applyChanges(
			env.DB,
			outcomes.flatMap((o) => o.changes),
			now,
		),
		...outcomes.flatMap((o) => o.statements),
		...refunds,
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

type Sendable = OutgoingMessage & { phone: string; body: string; limited?: true };

/**
 * The workspace's send limits, for the messages about to be claimed. A number outside the allowed countries is
 * cancelled (`country_not_allowed`). Then each workspace's share of today's cap is reserved; past it a campaign
 * message is cancelled (`daily_cap_reached`: sending the campaign again on another day sends it), and a follow-up
 * waits for the next UTC day. The rows left unmarked are the ones to claim; answers the reservation per workspace.
 */
async function applySendLimits(
	env: Env,
	toSend: Sendable[],
	cancels: { id: string; reason: CancelReason; followUp: boolean }[],
	deferred: string[],
	byId: Map<string, Message<unknown>>,
	now: number,
): Promise<Map<string, number>> {
	const reserved = new Map<string, number>();
	if (toSend.length === 0) return reserved;
	const limits = await loadSendLimits(
		env.DB,
		toSend.map((r) => r.workspaceId),
	);
	const byWorkspace = new Map<string, Sendable[]>();
	for (const row of toSend) {
		// A workspace that is gone allows nothing.
		const allowed = limits.get(row.workspaceId);
		if (!allowed || !countryAllowed(row.phone, allowed.allowedCountries)) {
			row.limited = true;
			cancels.push({ id: row.id, reason: "country_not_allowed", followUp: row.kind === "followup" });
			continue;
		}
		byWorkspace.set(row.workspaceId, [...(byWorkspace.get(row.workspaceId) ?? []), row]);
	}
	try {
		for (const [workspaceId, rows] of byWorkspace) {
			const granted = await reserveSends(env.DB, workspaceId, now, rows.length);
			reserved.set(workspaceId, granted);
			for (const row of rows.slice(granted)) {
				row.limited = true;
				if (row.kind === "campaign") {
					cancels.push({ id: row.id, reason: "daily_cap_reached", followUp: false });
					continue;
				}
				const message = byId.get(row.id);
				if (!message) continue;
				try {
					await env.SENDS.send(message.body, { contentType: "json", delaySeconds: secondsUntilNextDay(now) });
					deferred.push(row.id);
					message.ack();
				} catch (err) {
					retry(message, err);
				}
			}
		}
	} catch (err) {
		await refundAll(env.DB, reserved, now);
		throw err;
	}
	return reserved;
}

/** Best effort: a refund that fails leaves the count too high, never too low. */
async function refundAll(d1: D1Database, reserved: Map<string, number>, now: number): Promise<void> {
	const refunds = [...reserved].filter(([, n]) => n > 0).map(([ws, n]) => refundSends(d1, ws, now, n));
	try {
		if (refunds.length > 0) await d1.batch(refunds);
	} catch (err) {
		console.error(JSON.stringify({ msg: "send cap refund not recorded", error: String(err) }));
	}
	reserved.clear();
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
	retryLater(message, "send", err);
}
