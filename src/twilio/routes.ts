import type { MiddlewareHandler } from "hono";
import { config } from "../config";
import { classifyInbound } from "../consent/keywords";
import { clearSuppression, contactsForInbound, lastTexter, recordConsent } from "../consent/queries";
import { phoneHash } from "../consent/suppression";
import { normalisePhone } from "../contacts/phone";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, type RouteDeclaration } from "../http/route";
import { queueReceipts } from "../messages/receipt-event";
import { normaliseProviderStatus } from "../messages/status";
import { emitEvents } from "../outbound-webhooks/emit";
import { contactOptedOut } from "../outbound-webhooks/events";
import { verifyTwilioSignature } from "./signature";

/**
 * Checks that a webhook comes from Twilio: X-Twilio-Signature over the URL Twilio was given (PUBLIC_URL and the
 * request's path and query, never the Host header, which a proxy may rewrite) and the sorted POST parameters.
 * Missing header → 400, wrong signature → 403; nothing is read or stored before this passes.
 */
function verifyTwilioWebhook(): MiddlewareHandler<AppEnv> {
	return async function verifyTwilioWebhook(c, next) {
		signedForms.set(c.req.raw, await verifiedParams(c.req.raw, c.env));
		await next();
	};
}

const signedForms = new WeakMap<Request, URLSearchParams>();

/** The form parameters that `verifyTwilioWebhook` checked. */
function signedForm(request: Request): URLSearchParams {
	const params = signedForms.get(request);
	if (!params) throw new Error("Twilio webhook handled without its signature checked");
	return params;
}

async function verifiedParams(request: Request, env: Env): Promise<URLSearchParams> {
	const { twilioAuthToken: token, publicUrl } = config(env);
	if (!token || !publicUrl) {
		throw new ApiError("not_configured", "Twilio webhooks need TWILIO_AUTH_TOKEN and PUBLIC_URL to be set.");
	}
	const signature = request.headers.get("x-twilio-signature");
	if (!signature) throw new ApiError("bad_request", "The X-Twilio-Signature header is missing.");
	if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) {
		throw new ApiError("unsupported_media_type", "Twilio webhooks are form-encoded POSTs.");
	}
	const params = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
	const { pathname, search } = new URL(request.url);
	if (!(await verifyTwilioSignature(token, `${publicUrl}${pathname}${search}`, params, signature))) {
		throw new ApiError("forbidden", "X-Twilio-Signature does not match this request.");
	}
	return params;
}

/** Twilio's form parameters, for the document: Twilio sends more, and all are signed. */
function twilioForm(properties: Record<string, string>): NonNullable<RouteDeclaration["request"]>["body"] {
	return {
		required: true,
		content: {
			"application/x-www-form-urlencoded": {
				schema: {
					type: "object",
					description: "Twilio's webhook parameters (Twilio sends more; all are signed).",
					properties: Object.fromEntries(
						Object.entries(properties).map(([name, description]) => [name, { type: "string", description }]),
					),
					additionalProperties: { type: "string" },
				},
			},
		},
	};
}

const signed = { scheme: "twilioSignature", verify: verifyTwilioWebhook() } as const;

/** Routes under /api/v1/webhooks/twilio: configured in the Twilio console or set per message. */
export const twilioWebhookRoutes = apiRouter();

const status = declareRoute({
	method: "post",
	path: "/status",
	operationId: "receiveTwilioStatus",
	tag: "Webhooks",
	summary: "Twilio delivery receipts (StatusCallback)",
	auth: signed,
	bodyLimit: 64 * 1024,
	// Read from the signed URL as it is: documented, not validated.
	parameters: [
		{
			name: "messageId",
			in: "query",
			required: false,
			schema: { type: "string" },
			description: "Tapline's message id, set in the StatusCallback.",
		},
	],
	request: {
		body: twilioForm({
			MessageSid: "Twilio's message sid.",
			MessageStatus: "queued, sent, delivered, undelivered, failed, …",
			ErrorCode: "Twilio's error code, if any.",
		}),
	},
	responses: { 204: { description: "Received." } },
	errors: [400, 403, 413, 415, 503],
});

// Delivery receipts (StatusCallback). Queued like taps; the consumer applies them one way only.
twilioWebhookRoutes.openapi(status, async (c) => {
	const params = signedForm(c.req.raw);
	const sid = params.get("MessageSid") ?? params.get("SmsSid");
	const status = normaliseProviderStatus(params.get("MessageStatus") ?? params.get("SmsStatus") ?? "");
	// Statuses of inbound messages (receiving, received) say nothing about ours.
	if (!sid || !status) return c.body(null, 204);
	const messageId = new URL(c.req.url).searchParams.get("messageId");
	await queueReceipts(c.env.EVENTS, [
		{
			messageId: messageId && messageId.length <= 64 ? messageId : null,
			provider: "twilio",
			providerMessageId: sid.slice(0, 128),
			status,
			at: Date.now(),
			errorCode: params.get("ErrorCode")?.slice(0, 64) || null,
			errorMessage: params.get("ErrorMessage")?.slice(0, 200) || null,
		},
	]);
	return c.body(null, 204);
});

const twiml = (text: string | null) =>
	`<?xml version="1.0" encoding="UTF-8"?><Response>${text ? `<Message>${escapeXml(text)}</Message>` : ""}</Response>`;

function escapeXml(text: string): string {
	return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// Replies from contacts: opt-out and opt-in keywords change consent at once (a STOP must win over a send already
// queued); HELP is answered with the workspace's help text. Other replies are not stored.
const inbound = declareRoute({
	method: "post",
	path: "/inbound",
	operationId: "receiveTwilioInbound",
	tag: "Webhooks",
	summary: "Replies to the Twilio number: STOP, START, HELP",
	auth: signed,
	bodyLimit: 64 * 1024,
	request: {
		body: twilioForm({ From: "The sender's phone.", Body: "The text.", MessageSid: "Twilio's message sid." }),
	},
	responses: {
		200: {
			description: "TwiML: the reply to send, if any.",
			content: {
				"text/xml": { schema: { type: "string", description: "<Response><Message>…</Message></Response>" } },
			},
		},
	},
	errors: [400, 403, 413, 415, 503],
});

twilioWebhookRoutes.openapi(inbound, async (c) => {
	const params = signedForm(c.req.raw);
	const from = params.get("From") ?? "";
	const intent = classifyInbound(params.get("Body") ?? "");
	c.header("content-type", "text/xml; charset=utf-8");
	if (!intent || !from) return c.body(twiml(null));

	const contacts = await contactsForInbound(c.env.DB, from);
	// Only the workspace that last texted the number is named: a workspace that merely knows it (minted a link,
	// never texted) is not the holder's to learn of, and of several the last one is whose message they answer. A
	// number Tapline never texted gets a generic answer.
	const last = lastTexter(contacts);
	if (intent === "help") {
		return c.body(
			twiml(
				last?.helpText ??
					`${last?.workspaceName ?? "Offers"} by SMS. Msg & data rates may apply. Reply STOP to unsubscribe.`,
			),
		);
	}
	// A STOP or START speaks for every workspace that knows the number, so a reply names one only when it is alone.
	const name = contacts.length === 1 && last ? last.workspaceName : null;
	const sourceId = `sms:${params.get("MessageSid") ?? `${from}:${Date.now()}`}`;
	const keyword = (params.get("Body") ?? "").trim().slice(0, 40);
	const statements = contacts.flatMap((contact) =>
		recordConsent(c.env.DB, {
			workspaceId: contact.workspaceId,
			contactId: contact.contactId,
			kind: intent === "opt-out" ? "opt_out" : "opt_in",
			source: "sms",
			detail: keyword,
			sourceId,
			at: Date.now(),
		}),
	);
	if (intent === "opt-in") {
		// A re-subscription also lifts the number's suppression left by an erasure, in every workspace (one sender).
		const secret = config(c.env).suppressionSecret;
		const phone = normalisePhone(from, undefined);
		if (secret && phone.ok) statements.push(clearSuppression(c.env.DB, await phoneHash(secret, phone.e164)));
	}
	if (statements.length > 0) await c.env.DB.batch(statements);
	if (intent === "opt-out") {
		const at = Date.now();
		const events = contacts.map(({ workspaceId, contactId }) =>
			contactOptedOut({ workspaceId, contactId, phone: from, source: "sms", sourceId, at }),
		);
		// The opt-out is stored; a marketer's system hearing of it late is better than the reply failing.
		c.executionCtx.waitUntil(
			emitEvents(c.env, events).catch((err: unknown) =>
				console.error(JSON.stringify({ msg: "opt-out webhooks not queued", error: String(err) })),
			),
		);
	}
	return c.body(
		twiml(
			intent === "opt-out"
				? `You are unsubscribed${name ? ` from ${name}` : ""} and will get no more messages. Reply START to resubscribe.`
				: `You are resubscribed${name ? ` to ${name}` : ""}. Reply STOP to unsubscribe.`,
		),
	);
});
