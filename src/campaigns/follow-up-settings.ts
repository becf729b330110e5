import { z } from "zod";
import { MAX_CODE_LENGTH } from "../config";
import { MAX_EXTERNAL_ID } from "../contacts/recipients";
import {
	MAX_BODY_CHARACTERS,
	type PlaceholderName,
	parseTemplate,
	renderTemplate,
	type Template,
} from "../sms-text/template";

/** A campaign's follow-up, as the API shows it. */
export interface FollowUpConfig {
	enabled: boolean;
	/** Hours after the contact's first human tap before the follow-up may go. */
	afterHours: number;
	/** Hours after that during which it may still go; a contact not reached by then gets none. */
	windowHours: number;
	message: string | null;
	/** The variant label of the follow-up links. */
	variant: string;
}

export const DEFAULT_FOLLOW_UP: FollowUpConfig = {
	enabled: false,
	afterHours: 24,
	windowHours: 48,
	message: null,
	variant: "followup",
};

// A follow-up is written by the cron, which knows of each contact what Tapline stores: the phone and external id.
const FOLLOW_UP_PLACEHOLDERS: readonly PlaceholderName[] = ["link", "externalId", "phone"];

/** Checks a follow-up text: the send template rules, with only the placeholders the cron can fill. */
export function parseFollowUpTemplate(
	message: string,
): { ok: true; template: Template } | { ok: false; message: string } {
	const parsed = parseTemplate(message);
	if (!parsed.ok) return parsed;
	const unknown = parsed.template.placeholders.find((name) => !FOLLOW_UP_PLACEHOLDERS.includes(name));
	if (unknown) {
		return {
			ok: false,
			message: `{${unknown}} cannot be used in a follow-up: Tapline stores only each contact's phone and external id, so use {link}, {externalId} or {phone}`,
		};
	}
	return parsed;
}

const hours = (max: number) => z.number().int().min(1).max(max);

/** The `followUp` object of a campaign create or update: given fields change, the rest keep their value. */
export const FollowUpInput = z
	.strictObject({
		enabled: z.boolean().optional(),
		afterHours: hours(720).optional().describe("Default 24."),
		windowHours: hours(720).optional().describe("Default 48."),
		message: z
			.string()
			.min(1)
			.max(MAX_BODY_CHARACTERS)
			.superRefine((value, ctx) => {
				const parsed = parseFollowUpTemplate(value);
				if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
			})
			.nullable()
			.optional()
			.describe("Template with {link}; also {externalId} and {phone}."),
		variant: z
			.string()
			.trim()
			.min(1)
			.max(64)
			.optional()
			.describe('Variant label of the follow-up links, default "followup".'),
	})
	.describe("The automatic follow-up to contacts who tapped but did not buy.");
export type FollowUpInput = z.infer<typeof FollowUpInput>;

// The longest phone the cron can put in (E.164: "+" and 15 digits).
const LONGEST_PHONE = 16;

/** The longest text a follow-up template can render to, with links printed on `origin`. */
export function longestFollowUp(template: Template, origin: string): number {
	return renderTemplate(template, {
		link: `${origin}/${"x".repeat(MAX_CODE_LENGTH)}`,
		externalId: "x".repeat(MAX_EXTERNAL_ID),
		phone: "x".repeat(LONGEST_PHONE),
	}).length;
}

/**
 * Applies changes to a follow-up. An enabled follow-up needs a message, and the message must fit in what SMS
 * providers accept for every contact: the cron renders it unattended, so it is checked here, once, for the longest
 * values it can hold.
 */
export function mergeFollowUp(
	current: FollowUpConfig,
	changes: FollowUpInput | undefined,
	origin: string,
): { ok: true; followUp: FollowUpConfig } | { ok: false; message: string } {
	const followUp: FollowUpConfig = {
		enabled: changes?.enabled ?? current.enabled,
		afterHours: changes?.afterHours ?? current.afterHours,
		windowHours: changes?.windowHours ?? current.windowHours,
		message: changes?.message === undefined ? current.message : changes.message,
		variant: changes?.variant ?? current.variant,
	};
	if (followUp.enabled && !followUp.message) {
		return { ok: false, message: "an enabled follow-up needs a message (a template with {link})" };
	}
	const parsed = followUp.message ? parseFollowUpTemplate(followUp.message) : null;
	if (parsed?.ok) {
		const longest = longestFollowUp(parsed.template, origin);
		if (longest > MAX_BODY_CHARACTERS) {
			return {
				ok: false,
				message: `the message can render to ${longest} characters with a long link, external id or phone; SMS providers accept at most ${MAX_BODY_CHARACTERS}`,
			};
		}
	}
	return { ok: true, followUp };
}
