import { z } from "zod";
import type { ErrorDetail } from "../http/errors";
import { normalisePhone } from "./phone";

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish();

/** The longest external id a recipient may carry. */
export const MAX_EXTERNAL_ID = 200;

/** One recipient as the minting and sending APIs take it. Personalisation fields are used to render, never stored. */
export const RecipientInput = z
	.strictObject({
		phone: z.string().min(1).max(40),
		externalId: optionalText(MAX_EXTERNAL_ID),
		variant: optionalText(64),
		timezone: optionalText(64),
		firstName: optionalText(100),
		lastName: optionalText(100),
		fields: z
			.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, "field names are letters, digits and _"), z.string().max(500))
			.refine((f) => Object.keys(f).length <= 50, "at most 50 fields")
			.nullish()
			.meta({ propertyNames: { type: "string", pattern: "^[A-Za-z0-9_]{1,64}$" }, maxProperties: 50 }),
	})
	.meta({ id: "Recipient" });

/**
 * A list of recipients. Each is checked by hand with `RecipientInput` (see `checkRecipients`), so that every problem
 * of a list is reported in one answer; the document shows the item schema all the same.
 */
export const RecipientsList = (max: number) =>
	z
		.array(z.unknown())
		.min(1)
		.max(max)
		.meta({ items: { $ref: "#/components/schemas/Recipient" } });

// ISO 3166 country for numbers written without +country code, e.g. "US" for "(415) 555-2671".
export const DefaultCountry = z
	.string()
	.regex(/^[A-Za-z]{2}$/, "must be a two-letter country code such as US")
	.transform((s) => s.toUpperCase())
	.optional()
	.describe('Country for numbers written without +country code, e.g. "US".');

/** A recipient that passed validation: phone in E.164. */
export interface Recipient {
	phone: string;
	externalId: string | null;
	variant: string | null;
	timezone: string | null;
	firstName: string | null;
	lastName: string | null;
	fields: Record<string, string>;
}

export type CheckedRecipient =
	| { index: number; ok: true; recipient: Recipient }
	| { index: number; ok: false; reason: "invalid_phone"; message: string }
	/** `conflicting`: listed before with other details. `firstIndex`: where the phone was first listed. */
	| { index: number; ok: false; reason: "duplicate"; message: string; firstIndex: number; conflicting: boolean };

const knownZones = new Map<string, boolean>();
function isTimeZone(zone: string): boolean {
	let known = knownZones.get(zone);
	if (known === undefined) {
		try {
			new Intl.DateTimeFormat("en-US", { timeZone: zone });
			known = true;
		} catch {
			known = false;
		}
		if (knownZones.size < 1000) knownZones.set(zone, known);
	}
	return known;
}

/**
 * Checks every recipient of a list. Malformed entries (wrong types, unknown keys, bad time zone) are `problems`, all
 * reported in one answer; a phone that is not a number, or one listed again with other details, is a per-recipient
 * verdict the caller decides about (minting refuses the list, sending skips the recipient).
 */
export function checkRecipients(
	raw: unknown[],
	defaultCountry: string | undefined,
): { problems: ErrorDetail[]; checked: CheckedRecipient[] } {
	const problems: ErrorDetail[] = [];
	const checked: CheckedRecipient[] = [];
	const firstByPhone = new Map<string, { index: number; key: string }>();
	raw.forEach((item, index) => {
		const at = `recipients.${index}`;
		const parsed = RecipientInput.safeParse(item);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				problems.push({ index, path: [at, ...issue.path.map(String)].join("."), message: issue.message });
			}
			return;
		}
		const r = parsed.data;
		if (r.timezone && !isTimeZone(r.timezone)) {
			problems.push({ index, path: `${at}.timezone`, message: "not an IANA time zone such as America/New_York" });
			return;
		}
		const phone = normalisePhone(r.phone, defaultCountry);
		if (!phone.ok) {
			checked.push({ index, ok: false, reason: "invalid_phone", message: phone.message });
			return;
		}
		const recipient: Recipient = {
			phone: phone.e164,
			externalId: r.externalId ?? null,
			variant: r.variant ?? null,
			timezone: r.timezone ?? null,
			firstName: r.firstName ?? null,
			lastName: r.lastName ?? null,
			fields: r.fields ?? {},
		};
		// What is stored about a contact must not depend on which of two entries wins.
		const key = JSON.stringify([recipient.externalId, recipient.variant, recipient.timezone]);
		const first = firstByPhone.get(recipient.phone);
		if (!first) {
			firstByPhone.set(recipient.phone, { index, key });
			checked.push({ index, ok: true, recipient });
		} else if (first.key !== key) {
			checked.push({
				index,
				ok: false,
				reason: "duplicate",
				message: `same phone as recipients.${first.index} with a different externalId, variant or timezone`,
				firstIndex: first.index,
				conflicting: true,
			});
		} else {
			checked.push({
				index,
				ok: false,
				reason: "duplicate",
				message: `same phone as recipients.${first.index}`,
				firstIndex: first.index,
				conflicting: false,
			});
		}
	});
	return { problems, checked };
}
