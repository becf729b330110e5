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
import { type CancelReason, judge, secondsUntilQuiet } from "./send-policy";
import { normaliseProviderStatus } from "./status";
import { type SendOutcome, sendTwilioMessage } from "./twilio-client";

/**
 * The send queue consumer. Each queue message names one claim row. The row is claimed (pending → submitting) in one
 * conditional UPDATE before the provider is called, so a redelivered queue message finds it taken and texts nobody.
 * Opt-outs and quiet hours are checked again here: a STOP that arrived after the send request wins.
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
	retryLater(message, "send", err);
}
