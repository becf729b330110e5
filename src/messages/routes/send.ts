import { z } from "zod";
import { CampaignId, campaignFromPath, requireCampaign } from "../../campaigns/from-path";
import { config, publicOrigin } from "../../config";
import {
	checkRecipients,
	DefaultCountry,
	type Recipient,
	RecipientInput,
	RecipientsList,
} from "../../contacts/recipients";
import { newId } from "../../db/ids";
import { ApiError } from "../../http/errors";
import { apiRouter, declareRoute, registerSchema, reply } from "../../http/route";
import { isoTime, jsonContent as json } from "../../http/schemas";
import { mintLinks } from "../../links/mint";
import { countSegments } from "../../sms-text/segments";
import { MAX_BODY_CHARACTERS, parseTemplate, renderTemplate, type Template } from "../../sms-text/template";
import { cancelPending, claimMessages, type MessageDraft, markUnqueued, previewStates } from "../queries";
import { sendableAt } from "../quiet-hours";
import { queueSends, type SendEnvelope, sendRequest } from "../send-envelope";
import { readSendLimits } from "../send-limits";
import { countryAllowed, quietDelaySeconds } from "../send-policy";

export const MAX_SEND_RECIPIENTS = 10_000;

export const SendRequest = z
	.strictObject({
		recipients: RecipientsList(MAX_SEND_RECIPIENTS),
		message: z
			.string()
			.min(1)
			.max(MAX_BODY_CHARACTERS)
			.describe(
				"Template: {link} (required), {firstName}, {lastName}, {externalId}, {phone}, {fields.<name>}, {firstName|fallback}.",
			),
		defaultCountry: DefaultCountry,
		dryRun: z.boolean().optional().describe("Render and count segments; write and send nothing."),
	})
	.meta({ id: "SendRequest" });

const SKIP_REASONS = [
	"invalid_phone",
	"duplicate",
	"opted_out",
	"already_queued",
	"already_sent",
	"message_too_long",
	"country_not_allowed",
	"daily_cap_reached",
] as const;
type SkipReason = (typeof SKIP_REASONS)[number];

const Skipped = z
	.strictObject({
		index: z.number().int(),
		reason: z.enum(SKIP_REASONS),
		message: z.string(),
		phone: z.string().optional(),
	})
	.meta({ id: "SkippedRecipient" });
type Skipped = z.infer<typeof Skipped>;

const SendQueued = z
	.strictObject({
		queued: z.number().int(),
		deferred: z.number().int().describe("Sends held for the recipients' quiet hours."),
		skipped: z.array(Skipped),
	})
	.meta({ id: "SendQueued" });

const SendDryRun = z
	.strictObject({
		dryRun: z.literal(true),
		messages: z.array(
			z.strictObject({
				index: z.number().int(),
				phone: z.string(),
				body: z.string(),
				encoding: z.enum(["GSM-7", "UCS-2"]),
				segments: z.number().int(),
				units: z.number().int(),
				nonGsmCharacters: z.array(z.string()),
				sendableAt: isoTime,
			}),
		),
		totals: z.strictObject({ messages: z.number().int(), segments: z.number().int() }),
		skipped: z.array(Skipped),
	})
	.meta({ id: "SendDryRun" });

interface Rendered {
	index: number;
	recipient: Recipient;
	body: string;
	segments: ReturnType<typeof countSegments>;
}

function render(template: Template, recipient: Recipient, link: string): string {
	const values: Record<string, string | null> = {
		link,
		firstName: recipient.firstName,
		lastName: recipient.lastName,
		externalId: recipient.externalId,
		phone: recipient.phone,
	};
	for (const [key, value] of Object.entries(recipient.fields)) values[`fields.${key}`] = value;
	return renderTemplate(template, values);
}

/** Renders each recipient's text; one too long to send is skipped (the rest go out). */
function renderAll(
	template: Template,
	recipients: { index: number; recipient: Recipient }[],
	linkOf: (phone: string) => string,
	skipped: Skipped[],
): Rendered[] {
	const rendered: Rendered[] = [];
	for (const { index, recipient } of recipients) {
		const body = render(template, recipient, linkOf(recipient.phone));
		if (body.length > MAX_BODY_CHARACTERS) {
			skipped.push({
				index,
				phone: recipient.phone,
				reason: "message_too_long",
				message: `the rendered text has ${body.length} characters; SMS providers accept at most ${MAX_BODY_CHARACTERS}`,
			});
			continue;
		}
		rendered.push({ index, recipient, body, segments: countSegments(body) });
	}
	return rendered;
}

/** Routes under /api/v1/campaigns/{id}/send. */
export const campaignSendRoutes = apiRouter();
registerSchema(campaignSendRoutes, "Recipient", RecipientInput);

const send = declareRoute({
	method: "post",
	path: "/{id}/send",
	operationId: "sendCampaign",
	scope: "messages:send",
	tag: "Messages",
	summary: `Send the campaign as SMS, one per recipient (up to ${MAX_SEND_RECIPIENTS.toLocaleString("en")})`,
	description:
		"Nobody is texted twice by one campaign; opted-out recipients are skipped, and so are numbers outside the workspace's allowedCountries and sends past its dailySendCap (each with its reason). dryRun renders and counts without writing.",
	bodyLimit: 8 * 1024 * 1024,
	before: [requireCampaign()],
	request: { params: CampaignId, body: { required: true, ...json(SendRequest) } },
	responses: {
		200: { description: "Dry run: the rendered texts.", ...json(SendDryRun) },
		202: { description: "Queued.", ...json(SendQueued) },
	},
	errors: [400, 401, 404, 413, 415, 422, 503],
});

campaignSendRoutes.openapi(send, async (c) => {
	const workspaceId = c.get("workspaceId");
	const campaign = await campaignFromPath(c);
	const input = c.req.valid("json");

	const parsedTemplate = parseTemplate(input.message);
	const { problems, checked } = checkRecipients(input.recipients, input.defaultCountry);
	if (!parsedTemplate.ok) problems.unshift({ path: "message", message: parsedTemplate.message });
	if (problems.length > 0) {
		throw new ApiError("validation_failed", "The request is invalid; nothing was sent.", problems.slice(0, 1000));
	}
	if (!parsedTemplate.ok) throw new Error("unreachable");
	const template = parsedTemplate.template;

	const skipped: Skipped[] = [];
	const valid: { index: number; recipient: Recipient }[] = [];
	for (const entry of checked) {
		if (entry.ok) valid.push({ index: entry.index, recipient: entry.recipient });
		else skipped.push({ index: entry.index, reason: entry.reason, message: entry.message });
	}
	const origin = publicOrigin(c.env, c.req.url);
	const now = Date.now();

	// The workspace's send limits, as far as this request can tell: the sender checks both again when it claims each
	// message, and only its atomic count is the cap (a concurrent request cannot pass it there).
	const limits = await readSendLimits(c.env.DB, workspaceId, now);
	let capLeft = Math.max(0, limits.dailySendCap - limits.sentToday);
	const allowed = valid.filter(({ index, recipient }) => {
		if (countryAllowed(recipient.phone, limits.allowedCountries)) return true;
		skipped.push({
			index,
			phone: recipient.phone,
			reason: "country_not_allowed",
			message: skipMessage("country_not_allowed"),
		});
		return false;
	});
	valid.splice(0, valid.length, ...allowed);
	const capMessage = `the workspace's daily cap of ${limits.dailySendCap} SMS (UTC day) is reached; send again tomorrow`;

	if (input.dryRun) {
		const states = await previewStates(
			c.env.DB,
			workspaceId,
			campaign.id,
			valid.map((v) => v.recipient.phone),
			config(c.env).suppressionSecret,
		);
		// A recipient without a link yet gets a placeholder of the real length, so the segment count is exact.
		const placeholder = `${origin}/${"x".repeat(config(c.env).codeLength)}`;
		const sendable = valid.filter(({ index, recipient }) => {
			const state = states.get(recipient.phone);
			const reason = state?.optedOut
				? "opted_out"
				: state?.messageStatus === "pending"
					? "already_queued"
					: state?.messageStatus && state.messageStatus !== "canceled"
						? "already_sent"
						: null;
			if (reason) skipped.push({ index, phone: recipient.phone, reason, message: skipMessage(reason) });
			if (reason === null && capLeft-- <= 0) {
				skipped.push({ index, phone: recipient.phone, reason: "daily_cap_reached", message: capMessage });
				return false;
			}
			return reason === null;
		});
		const rendered = renderAll(
			template,
			sendable,
			(phone) => {
				const code = states.get(phone)?.linkCode;
				return code ? `${origin}/${code}` : placeholder;
			},
			skipped,
		);
		return reply(c, send, 200, {
			dryRun: true,
			messages: rendered.map((r) => ({
				index: r.index,
				phone: r.recipient.phone,
				body: r.body,
				...r.segments,
				// When a real provider would send it: at once, or when the recipient's sending hours open.
				sendableAt: new Date(sendableAt(now, r.recipient)).toISOString(),
			})),
			totals: {
				messages: rendered.length,
				segments: rendered.reduce((n, r) => n + r.segments.segments, 0),
			},
			skipped: sortByIndex(skipped),
		});
	}

	const sms = config(c.env).sms;
	if (!sms.ok) {
		throw new ApiError(
			"not_configured",
			"SMS sending is not configured on this deployment; nothing was sent.",
			sms.problems.map((message) => ({ path: "configuration", message })),
		);
	}

	const links = await mintLinks(
		c.env.DB,
		workspaceId,
		campaign.id,
		valid.map(({ recipient: { phone, externalId, variant, timezone } }) => ({ phone, externalId, variant, timezone })),
		config(c.env),
		now,
	);
	const linkByPhone = new Map(links.map((l) => [l.phone, l]));
	const rendered = renderAll(template, valid, (phone) => `${origin}/${linkByPhone.get(phone)?.code}`, skipped);
	const drafts: MessageDraft[] = rendered.map((r) => {
		const link = linkByPhone.get(r.recipient.phone);
		if (!link) throw new Error("minted link missing for a recipient");
		return {
			id: newId("msg"),
			contactId: link.contactId,
			linkCode: link.code,
			variant: link.variant,
			body: r.body,
			segments: r.segments.segments,
			encoding: r.segments.encoding,
		};
	});
	const states = await claimMessages(
		c.env.DB,
		workspaceId,
		campaign.id,
		"campaign",
		sms.settings.provider,
		drafts,
		now,
	);

	const queue: MessageSendRequest<SendEnvelope>[] = [];
	const overCap: string[] = [];
	let deferred = 0;
	rendered.forEach((r, i) => {
		const draft = drafts[i] as MessageDraft;
		const state = states.get(draft.contactId);
		// This request's to queue: a new message, a cancelled one made pending again, or one whose queueing failed.
		const ours =
			state?.status === "pending" && (state.messageId === draft.id || state.updatedAt === now || state.updatedAt === 0);
		const reason: SkipReason | null =
			!state?.messageId || state.optedOut
				? "opted_out"
				: ours
					? null
					: state.status === "pending"
						? "already_queued"
						: "already_sent";
		if (reason || !state?.messageId) {
			const why = reason ?? "opted_out";
			const message = why === "already_sent" ? `${skipMessage(why)} (status: ${state?.status})` : skipMessage(why);
			skipped.push({ index: r.index, phone: r.recipient.phone, reason: why, message });
			return;
		}
		if (capLeft-- <= 0) {
			// Cancelled with the reason on the message: the sweep does not queue it, and sending again another day does.
			overCap.push(state.messageId);
			skipped.push({ index: r.index, phone: r.recipient.phone, reason: "daily_cap_reached", message: capMessage });
			return;
		}
		// The outbox texts nobody, so it holds nothing back for the night.
		const delaySeconds = sms.settings.provider === "outbox" ? 0 : quietDelaySeconds(now, r.recipient);
		if (delaySeconds > 0) deferred++;
		queue.push(sendRequest(state.messageId, delaySeconds));
	});
	if (overCap.length > 0) {
		await c.env.DB.batch(overCap.map((id) => cancelPending(c.env.DB, id, "daily_cap_reached", now)));
	}
	await enqueue(c.env, queue);
	return reply(c, send, 202, { queued: queue.length, deferred, skipped: sortByIndex(skipped) });
});

const SKIP_MESSAGES = {
	country_not_allowed: "the number's country is not in the workspace's allowedCountries",
	opted_out: "the contact has opted out of this workspace's messages",
	already_queued: "this campaign's message to this contact is already queued",
	already_sent: "this campaign's message to this contact was already handed to the SMS provider",
};

function skipMessage(reason: keyof typeof SKIP_MESSAGES): string {
	return SKIP_MESSAGES[reason];
}

function sortByIndex(skipped: Skipped[]): Skipped[] {
	return skipped.sort((a, b) => a.index - b.index);
}

/**
 * Queues the sends. A failure midway loses nothing: the messages are marked for the cron's next sweep (within
 * minutes), and a repeated request queues them too; the claim makes any duplicate harmless.
 */
async function enqueue(env: Env, messages: MessageSendRequest<SendEnvelope>[]): Promise<void> {
	try {
		await queueSends(env.SENDS, messages);
	} catch (err) {
		console.error(JSON.stringify({ msg: "send queueing failed", error: String(err) }));
		try {
			await markUnqueued(
				env.DB,
				messages.map((m) => m.body.messageId),
			).run();
		} catch (markErr) {
			console.error(JSON.stringify({ msg: "unqueued sends not marked", error: String(markErr) }));
		}
		throw new ApiError(
			"unavailable",
			"Could not queue every message; the rest go out within minutes, or repeat the request. Nobody is texted twice.",
		);
	}
}
