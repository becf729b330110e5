// A stand-in for Twilio's Programmable Messaging REST API that speaks its wire format: Basic auth, form-encoded
// Messages.json, Twilio's error JSON, and signed webhooks. Tests drive and inspect it through /__fake/ (JSON); every
// piece of state is kept under the Account SID, so test files that each make their own account never collide.
// The wire types live in test/support/twilio.ts, the workerd-side client that the integration tests use.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TwilioRecordedRequest, TwilioScript, TwilioWebhook } from "../twilio";
import { type LocalServer, listenLocally, readBody } from "./local-server";

export type FakeTwilio = LocalServer;

interface Message {
	sid: string;
	accountSid: string;
	from: string | null;
	to: string;
	body: string;
	messagingServiceSid: string | null;
	statusCallback: string | null;
	status: string;
	errorCode: number | null;
	numSegments: string;
	dateCreated: string;
	dateUpdated: string;
}

interface Account {
	requests: TwilioRecordedRequest[];
	/** Answers for the next requests, used once each, in order. */
	queue: TwilioScript[];
	/** Answers for every request to a recipient, until reset. */
	byRecipient: Map<string, TwilioScript>;
	messages: Map<string, Message>;
	/** The password of the last authenticated request: the token Twilio would sign this account's webhooks with. */
	authToken: string | null;
}

const API_VERSION = "2010-04-01";
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\//;
const CONTROL_PATH = /^\/__fake\/accounts\/([^/]+)\/([a-z-]+)$/;

// The messages Twilio returns with these codes (twilio.com/docs/errors/<code>).
const ERROR_MESSAGES: Record<number, string> = {
	20003: "Authenticate",
	20404: "The requested resource was not found",
	20429: "Too Many Requests",
	20500: "Internal Server Error",
	21211: "Invalid 'To' Phone Number",
	21602: "Message body is required.",
	21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
	21604: "A 'To' phone number is required.",
	21610: "Attempt to send to unsubscribed recipient",
	30003: "Unreachable destination handset",
};

export function startFakeTwilio(): Promise<FakeTwilio> {
	const accounts = new Map<string, Account>();
	const server = createServer((req, res) => {
		serve(accounts, req, res).catch((error: unknown) => {
			if (!res.headersSent) sendJson(res, 500, { error: String(error) });
		});
	});
	return listenLocally(server);
}

async function serve(accounts: Map<string, Account>, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const path = new URL(req.url ?? "/", "http://fake.invalid").pathname;
	const rawBody = await readBody(req);
	const account = (sid: string) => {
		let found = accounts.get(sid);
		if (!found) {
			found = { requests: [], queue: [], byRecipient: new Map(), messages: new Map(), authToken: null };
			accounts.set(sid, found);
		}
		return found;
	};

	const control = CONTROL_PATH.exec(path);
	if (control) {
		const sid = decodeURIComponent(control[1] ?? "");
		return serveControl(sid, account(sid), control[2] ?? "", req, rawBody, res);
	}

	const accountSid = ACCOUNT_PATH.exec(path)?.[1];
	if (accountSid === undefined) return sendTwilioError(res, 404, 20404);
	const state = account(decodeURIComponent(accountSid));
	const recorded = record(req, path, rawBody);
	state.requests.push(recorded);
	const answer = (status: number, json: object, headers: Record<string, string> = {}) => {
		recorded.response.status = status;
		sendJson(res, status, json, headers);
	};
	const fail = (status: number, code: number, message?: string, headers: Record<string, string> = {}) => {
		recorded.response.errorCode = code;
		answer(status, twilioError(status, code, message), headers);
	};

	if (recorded.authUser !== decodeURIComponent(accountSid) || !recorded.authPassword) {
		return fail(401, 20003, undefined, { "www-authenticate": 'Basic realm="Twilio API"' });
	}
	state.authToken = recorded.authPassword;

	const fetched = MESSAGE_PATH.exec(path);
	if (req.method === "GET" && fetched) {
		const message = state.messages.get(decodeURIComponent(fetched[2] ?? ""));
		return message ? answer(200, messageJson(message)) : fail(404, 20404);
	}
	if (req.method !== "POST" || !MESSAGES_PATH.test(path)) return fail(404, 20404);

	const params = recorded.params;
	const to = params.To ?? "";
	const scripted = state.byRecipient.get(to) ?? state.queue.shift();
	if (scripted && "hang" in scripted) return;
	if (scripted) return fail(scripted.status, scripted.code, scripted.message, scripted.headers);

	// The order of these checks is ours; Twilio does not document which it reports first.
	if (!to) return fail(400, 21604);
	if (!params.From && !params.MessagingServiceSid) return fail(400, 21603);
	if (!params.Body && !params.MediaUrl) return fail(400, 21602);

	const now = rfc2822(new Date());
	const message: Message = {
		sid: `SM${randomBytes(16).toString("hex")}`,
		accountSid: decodeURIComponent(accountSid),
		from: params.From ?? null,
		to,
		body: params.Body ?? "",
		messagingServiceSid: params.MessagingServiceSid ?? null,
		statusCallback: params.StatusCallback ?? null,
		// A Messaging Service picks the sender later, so the message is only accepted and its segments are not counted.
		status: params.MessagingServiceSid ? "accepted" : "queued",
		errorCode: null,
		numSegments: params.MessagingServiceSid ? "0" : String(countSegments(params.Body ?? "")),
		dateCreated: now,
		dateUpdated: now,
	};
	state.messages.set(message.sid, message);
	recorded.response.sid = message.sid;
	answer(201, messageJson(message));
}

async function serveControl(
	accountSid: string,
	state: Account,
	action: string,
	req: IncomingMessage,
	rawBody: string,
	res: ServerResponse,
): Promise<void> {
	const json = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
	if (action === "requests" && req.method === "GET") return sendJson(res, 200, { requests: state.requests });
	if (req.method !== "POST") return sendJson(res, 405, { error: `${req.method} ${action}` });
	switch (action) {
		case "script": {
			const entries = (Array.isArray(json) ? json : []) as TwilioScript[];
			for (const entry of entries) {
				if (entry.to === undefined) state.queue.push(entry);
				else state.byRecipient.set(entry.to, entry);
			}
			return sendJson(res, 200, { queued: state.queue.length, recipients: state.byRecipient.size });
		}
		case "reset":
			state.requests = [];
			state.queue = [];
			state.byRecipient.clear();
			state.messages.clear();
			state.authToken = null;
			res.writeHead(204).end();
			return;
		case "callback":
		case "deliver-callback": {
			const message = state.messages.get(String(json.sid));
			if (!message) return sendJson(res, 404, { error: `no message ${String(json.sid)} in this account` });
			if (!message.statusCallback) return sendJson(res, 409, { error: `message ${message.sid} has no StatusCallback` });
			const token = typeof json.authToken === "string" ? json.authToken : state.authToken;
			if (!token) return sendJson(res, 409, { error: "no auth token known for this account" });
			message.status = String(json.status);
			message.errorCode = typeof json.errorCode === "number" ? json.errorCode : null;
			message.dateUpdated = rfc2822(new Date());
			const webhook = signedWebhook(message.statusCallback, statusParams(message), token);
			return sendJson(res, 200, action === "callback" ? webhook : { ...webhook, response: await post(webhook) });
		}
		case "inbound":
		case "deliver-inbound": {
			const token = typeof json.authToken === "string" ? json.authToken : state.authToken;
			if (!token) return sendJson(res, 409, { error: "no auth token known for this account" });
			const messageSid = `SM${randomBytes(16).toString("hex")}`;
			const body = String(json.body ?? "");
			// What Twilio documents for an incoming SMS, less the geographic fields it adds when it knows them.
			const params: Record<string, string> = {
				ToCountry: "US",
				SmsMessageSid: messageSid,
				NumMedia: "0",
				SmsSid: messageSid,
				SmsStatus: "received",
				Body: body,
				To: String(json.to),
				NumSegments: String(countSegments(body)),
				MessageSid: messageSid,
				AccountSid: accountSid,
				From: String(json.from),
				ApiVersion: API_VERSION,
			};
			const webhook = signedWebhook(String(json.url), params, token);
			const response = action === "deliver-inbound" ? { response: await post(webhook) } : {};
			return sendJson(res, 200, { ...webhook, messageSid, ...response });
		}
		default:
			return sendJson(res, 404, { error: `unknown control action ${action}` });
	}
}

/** The parameters Twilio posts to a message's StatusCallback (twilio.com/docs/messaging/guides/track-outbound-message-status). */
function statusParams(message: Message): Record<string, string> {
	const params: Record<string, string> = {
		MessageSid: message.sid,
		SmsSid: message.sid,
		MessageStatus: message.status,
		SmsStatus: message.status,
		AccountSid: message.accountSid,
		From: message.from ?? "",
		To: message.to,
		ApiVersion: API_VERSION,
	};
	if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
	if (message.errorCode !== null) params.ErrorCode = String(message.errorCode);
	return params;
}

function signedWebhook(url: string, params: Record<string, string>, authToken: string): TwilioWebhook {
	const signature = sign(authToken, url, params);
	return {
		url,
		body: new URLSearchParams(params).toString(),
		signature,
		params,
		headers: {
			"content-type": "application/x-www-form-urlencoded",
			"x-twilio-signature": signature,
			"i-twilio-idempotency-token": randomUUID(),
			"user-agent": "TwilioProxy/1.1",
		},
	};
}

/**
 * X-Twilio-Signature (twilio.com/docs/usage/webhooks/webhooks-security): the full URL, then each parameter name
 * followed by its value, sorted by name, no separators; HMAC-SHA1 keyed with the auth token; base64.
 */
function sign(authToken: string, url: string, params: Record<string, string>): string {
	const data = Object.keys(params)
		.sort()
		.reduce((acc, name) => acc + name + params[name], url);
	return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

async function post(webhook: TwilioWebhook): Promise<{ status: number; body: string }> {
	const res = await fetch(webhook.url, {
		method: "POST",
		headers: webhook.headers,
		body: webhook.body,
		signal: AbortSignal.timeout(15_000),
	});
	return { status: res.status, body: await res.text() };
}

function messageJson(message: Message): object {
	const uri = `/${API_VERSION}/Accounts/${message.accountSid}/Messages/${message.sid}`;
	return {
		account_sid: message.accountSid,
		api_version: API_VERSION,
		body: message.body,
		date_created: message.dateCreated,
		date_sent: null,
		date_updated: message.dateUpdated,
		direction: "outbound-api",
		error_code: message.errorCode,
		error_message: message.errorCode === null ? null : (ERROR_MESSAGES[message.errorCode] ?? null),
		from: message.from,
		messaging_service_sid: message.messagingServiceSid,
		num_media: "0",
		num_segments: message.numSegments,
		price: null,
		price_unit: "USD",
		sid: message.sid,
		status: message.status,
		subresource_uris: { media: `${uri}/Media.json` },
		to: message.to,
		uri: `${uri}.json`,
	};
}

function twilioError(status: number, code: number, message?: string): object {
	return {
		code,
		message: message ?? ERROR_MESSAGES[code] ?? "Error",
		more_info: `https://www.twilio.com/docs/errors/${code}`,
		status,
	};
}

function sendTwilioError(res: ServerResponse, status: number, code: number): void {
	sendJson(res, status, twilioError(status, code));
}

function sendJson(res: ServerResponse, status: number, json: object, headers: Record<string, string> = {}): void {
	res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(json));
}

function record(req: IncomingMessage, path: string, rawBody: string): TwilioRecordedRequest {
	const contentType = req.headers["content-type"] ?? null;
	const form = contentType?.split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded";
	const fields = form ? [...new URLSearchParams(rawBody)] : [];
	const params: Record<string, string> = {};
	for (const [name, value] of fields) if (!(name in params)) params[name] = value;
	const [authUser, authPassword] = basicAuth(req.headers.authorization);
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
	return {
		method: req.method ?? "GET",
		path,
		authUser,
		authPassword,
		contentType,
		headers,
		rawBody,
		fields,
		params,
		time: new Date().toISOString(),
		response: { status: null, sid: null, errorCode: null },
	};
}

function basicAuth(header: string | undefined): [string | null, string | null] {
	const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
	if (!match) return [null, null];
	const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	return colon < 0 ? [decoded, null] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** RFC 2822 in GMT, as Twilio writes dates: "Tue, 26 Jul 2016 12:50:07 +0000". */
function rfc2822(date: Date): string {
	return date.toUTCString().replace("GMT", "+0000");
}

// GSM 03.38: the basic set, and the extension characters that take two septets each.
const GSM_BASIC =
	"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";

/** Segments as a carrier counts them: GSM-7 160 (153 when split), otherwise UCS-2 70 (67) UTF-16 units. */
function countSegments(body: string): number {
	let septets = 0;
	for (const ch of body) {
		if (GSM_BASIC.includes(ch)) septets += 1;
		else if (GSM_EXTENDED.includes(ch)) septets += 2;
		else return body.length <= 70 ? 1 : Math.ceil(body.length / 67);
	}
	return septets <= 160 ? 1 : Math.ceil(septets / 153);
}
