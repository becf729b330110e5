import { z } from "zod";
import { normalisePhone } from "../../contacts/phone";
import { decodeCursor, keysetPage } from "../../http/cursor";
import { ApiError, type ErrorDetail } from "../../http/errors";
import { apiRouter, declareRoute, registerSchema, reply } from "../../http/route";
import { jsonContent as json } from "../../http/schemas";
import { listMessages, resolveReportedMessages } from "../list-queries";
import { MessageList } from "../message";
import { queueReceipts, type ReceiptEvent } from "../receipt-event";
import { MESSAGE_STATUSES, normaliseProviderStatus } from "../status";

const MAX_EVENTS = 1000;
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const LifecycleEvent = z
	.strictObject({
		messageId: z.string().min(1).max(64).optional(),
		phone: z.string().min(1).max(40).optional(),
		campaignId: z.string().min(1).max(64).optional(),
		// Twilio's MessageStatus values: queued, sending, sent, delivered, undelivered, failed, read, canceled, ...
		status: z.string().min(1).max(32).describe("Twilio's MessageStatus: queued, sent, delivered, failed, …"),
		at: z
			.union([z.iso.datetime({ offset: true }), z.number().int().positive()])
			.optional()
			.describe("When it happened: ISO 8601 or epoch milliseconds; default now."),
		errorCode: z.union([z.string().max(64), z.number().int()]).optional(),
		errorMessage: z.string().max(200).optional(),
		defaultCountry: z
			.string()
			.regex(/^[A-Za-z]{2}$/)
			.optional(),
	})
	.meta({ id: "LifecycleEvent", description: "Name the message by messageId, or by phone and campaignId." });
type LifecycleEvent = z.infer<typeof LifecycleEvent>;

// One event, or { events: [...] } with up to 1,000. The events are checked one by one with LifecycleEvent (to report
// every problem at once); the document shows them as that.
const EVENT = { $ref: "#/components/schemas/LifecycleEvent" };
export const LifecycleRequest = z
	.union([
		z.strictObject({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS).meta({ items: EVENT }) }),
		z.record(z.string(), z.unknown()).refine((o) => !("events" in o), "events must be a list of 1 to 1000 events"),
	])
	.meta({ id: "LifecycleRequest", anyOf: [EVENT, { $ref: "#/components/schemas/LifecycleBatch" }] });

const EventsAccepted = z.strictObject({ accepted: z.number().int() }).meta({ id: "EventsAccepted" });

/** Routes under /api/v1/messages: the lifecycle of each SMS, and events reported by other sending platforms. */
export const messageRoutes = apiRouter();
registerSchema(messageRoutes, "LifecycleEvent", LifecycleEvent);
registerSchema(
	messageRoutes,
	"LifecycleBatch",
	z.strictObject({ events: z.array(LifecycleEvent).min(1).max(MAX_EVENTS) }),
);

const reportEvents = declareRoute({
	method: "post",
	path: "/events",
	operationId: "reportMessageEvents",
	tag: "Messages",
	summary: "Lifecycle events of messages another platform sent",
	// What a platform that sends the SMS itself needs, with the send call.
	scope: "messages:send",
	description: "One event, or {events: [...]} with up to 1,000. One bad event is a 422 and nothing is recorded.",
	bodyLimit: 1024 * 1024,
	request: { body: { required: true, ...json(LifecycleRequest) } },
	responses: { 202: { description: "Queued.", ...json(EventsAccepted) } },
	errors: [400, 401, 413, 415, 422, 503],
});

// A platform that sends the SMS itself reports what became of each message; the events go through the queue and
// the same one-way state machine as Twilio's receipts. Everything is checked first: one bad event, nothing queued.
messageRoutes.openapi(reportEvents, async (c) => {
	const workspaceId = c.get("workspaceId");
	const body = c.req.valid("json");
	const raw = Array.isArray(body.events) ? body.events : [body];
	const now = Date.now();
	const problems: ErrorDetail[] = [];
	const accepted: {
		index: number;
		event: LifecycleEvent;
		status: ReceiptEvent["status"];
		at: number;
		phone?: string;
	}[] = [];
	raw.forEach((item, index) => {
		const at = Array.isArray(body.events) ? `events.${index}` : "";
		const path = (p: string) => (at ? `${at}.${p}` : p);
		const parsed = LifecycleEvent.safeParse(item);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				problems.push({ index, path: path(issue.path.map(String).join(".")), message: issue.message });
			}
			return;
		}
		const event = parsed.data;
		const status = normaliseProviderStatus(event.status);
		if (!status) problems.push({ index, path: path("status"), message: `unknown status "${event.status}"` });
		const time = event.at === undefined ? now : typeof event.at === "number" ? event.at : Date.parse(event.at);
		if (time > now + MAX_CLOCK_SKEW_MS) problems.push({ index, path: path("at"), message: "is in the future" });
		if (time < EARLIEST) {
			problems.push({
				index,
				path: path("at"),
				message: "is before 2000: send epoch milliseconds or an ISO 8601 date",
			});
		}
		let phone: string | undefined;
		if (!event.messageId) {
			if (!event.phone || !event.campaignId) {
				problems.push({ index, path: path("messageId"), message: "give messageId, or phone and campaignId" });
			} else {
				const normalised = normalisePhone(event.phone, event.defaultCountry?.toUpperCase());
				if (normalised.ok) phone = normalised.e164;
				else problems.push({ index, path: path("phone"), message: normalised.message });
			}
		}
		if (status) accepted.push({ index, event, status, at: time, ...(phone ? { phone } : {}) });
	});
	if (problems.length > 0)
		throw new ApiError("validation_failed", "Some events are invalid; none were recorded.", problems);

	const resolved = await resolveReportedMessages(
		c.env.DB,
		workspaceId,
		accepted.map((a) => ({
			index: a.index,
			messageId: a.event.messageId ?? null,
			campaignId: a.event.campaignId ?? null,
			phone: a.phone ?? null,
		})),
		now,
	);
	for (const a of accepted) {
		const path = Array.isArray(body.events) ? `events.${a.index}` : "";
		const message = resolved.get(a.index);
		if (message) {
			// An event from before the SMS could exist would corrupt the funnel's times for good.
			if (a.at < message.notBefore - MAX_CLOCK_SKEW_MS) {
				problems.push({
					index: a.index,
					path: path ? `${path}.at` : "at",
					message: "is before the message's link was minted",
				});
			}
			continue;
		}
		problems.push(
			a.event.messageId
				? {
						index: a.index,
						path: path ? `${path}.messageId` : "messageId",
						message: "no message with that id in this workspace",
					}
				: {
						index: a.index,
						path: path ? `${path}.phone` : "phone",
						message: "no link for this phone in that campaign: mint the recipient's link first",
					},
		);
	}
	if (problems.length > 0)
		throw new ApiError("validation_failed", "Some events are invalid; none were recorded.", problems);

	const receipts: ReceiptEvent[] = accepted.map((a) => ({
		messageId: resolved.get(a.index)?.id as string,
		provider: "external",
		providerMessageId: null,
		status: a.status,
		at: a.at,
		errorCode: a.event.errorCode === undefined ? null : String(a.event.errorCode),
		errorMessage: a.event.errorMessage ?? null,
	}));
	try {
		await queueReceipts(c.env.EVENTS, receipts);
	} catch (err) {
		console.error(JSON.stringify({ msg: "lifecycle events not queued", error: String(err) }));
		throw new ApiError("unavailable", "Could not queue the events. Repeat the request: events are idempotent.");
	}
	return reply(c, reportEvents, 202, { accepted: receipts.length });
});

export const ListQuery = z.object({
	campaignId: z.string().min(1).max(64).optional(),
	status: z.enum(MESSAGE_STATUSES).optional(),
	limit: z.coerce.number().int().min(1).max(500).default(100),
	cursor: z.string().max(200).optional(),
});

const list = declareRoute({
	method: "get",
	path: "/",
	operationId: "listMessages",
	tag: "Messages",
	summary: "Messages with their lifecycle, newest first",
	request: { query: ListQuery },
	queryProblem: "The query is invalid: limit is 1 to 500, status one of the message statuses.",
	responses: { 200: { description: "A page of messages.", ...json(MessageList) } },
	errors: [400, 401],
});

// The outbox: every message with its lifecycle, newest first, a page at a time.
messageRoutes.openapi(list, async (c) => {
	const { campaignId, status, limit, cursor } = c.req.valid("query");
	const after = decodeCursor(cursor);
	const rows = await listMessages(c.env.DB, c.get("workspaceId"), {
		campaignId: campaignId ?? null,
		status: status ?? null,
		limit: limit + 1,
		after: after && { createdAt: after.at, id: after.id },
	});
	const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ at: last.createdAt, id: last.id }));
	return reply(c, list, 200, { messages: page, nextCursor });
});
