import type { Context } from "hono";
import { z } from "zod";
import { evictLink } from "../cache/link-cache";
import { CAMPAIGN_STAGES, type CampaignStage, MESSAGE_STATUSES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, type RouteDeclaration, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { normalisePhone } from "./phone";
import { type ContactDetails, contactProfile, eraseContact, findContact } from "./queries";

const Contact = z
	.strictObject({
		contact: z.strictObject({
			id: z.string(),
			phone: z.string(),
			externalId: z.string().nullable(),
			timezone: z.string().nullable(),
			createdAt: millis,
			stage: z.enum(CAMPAIGN_STAGES),
			optedOut: z.boolean(),
			optedOutAt: millis.nullable(),
			consent: z.array(
				z.strictObject({ kind: z.string(), source: z.string(), detail: z.string().nullable(), at: millis }),
			),
			messages: z.array(
				z.strictObject({
					id: z.string(),
					campaignId: z.string(),
					kind: z.string(),
					status: z.enum(MESSAGE_STATUSES),
					createdAt: millis,
					sentAt: millis.nullable(),
					deliveredAt: millis.nullable(),
					errorCode: z.string().nullable(),
				}),
			),
		}),
	})
	.meta({ id: "Contact" });
type Contact = z.infer<typeof Contact>;

const ContactErased = z.strictObject({ erased: z.strictObject({ id: z.string() }) }).meta({ id: "ContactErased" });

const PhoneQuery = z.object({
	phone: z.string().min(1).describe("The phone, e.g. +14155552671."),
	defaultCountry: z.string().optional().describe("Country for a number without +country code."),
});
const ContactId = z.object({ id: z.string().describe("The contact's id (ct_…).") });
const PHONE_PROBLEM = {
	message: "Name the contact: /contacts/<id> or /contacts?phone=%2B14155552671.",
	details: false,
} as const;

/** Routes under /api/v1/contacts. */
export const contactRoutes = apiRouter();

async function contactFromQuery(c: Context<AppEnv>, query: z.infer<typeof PhoneQuery>): Promise<ContactDetails> {
	// A "+" typed into a URL arrives as a space: read a leading space before digits as the "+" it was.
	const phone = normalisePhone(query.phone.replace(/^ (?=\d)/, "+"), query.defaultCountry?.toUpperCase());
	if (!phone.ok) throw new ApiError("validation_failed", phone.message, [{ path: "phone", message: phone.message }]);
	return found(await findContact(c.env.DB, c.get("workspaceId"), { phone: phone.e164 }));
}

async function contactFromPath(c: Context<AppEnv>): Promise<ContactDetails> {
	return found(await findContact(c.env.DB, c.get("workspaceId"), { id: c.req.param("id") ?? "" }));
}

function found(contact: ContactDetails | null): ContactDetails {
	if (!contact) throw new ApiError("not_found", "No contact with that id or phone in this workspace.");
	return contact;
}

async function profileOf(c: Context<AppEnv>, contact: ContactDetails): Promise<Contact> {
	const { optedOutAt, stage, ...rest } = contact;
	const profile = await contactProfile(c.env.DB, contact);
	// A contact who has not tapped yet is in the journey's first stage, as GET /journey counts them.
	return {
		contact: {
			...rest,
			stage: (stage ?? "awareness") as CampaignStage,
			optedOut: optedOutAt !== null,
			optedOutAt,
			consent: profile.consent,
			// The query selects exactly these columns of messages.
			messages: profile.messages as Contact["contact"]["messages"],
		},
	};
}

async function erase(c: Context<AppEnv>, contact: ContactDetails): Promise<z.infer<typeof ContactErased>> {
	for (const code of await eraseContact(c.env.DB, contact.id, Date.now())) evictLink(code);
	return { erased: { id: contact.id } };
}

const byPhone = <const D extends Omit<RouteDeclaration, "tag" | "errors" | "request" | "queryProblem">>(d: D) =>
	declareRoute({
		...d,
		tag: "Contacts",
		request: { query: PhoneQuery },
		queryProblem: PHONE_PROBLEM,
		errors: [400, 401, 404, 422],
	});
const byId = <const D extends Omit<RouteDeclaration, "tag" | "errors" | "request">>(d: D) =>
	declareRoute({ ...d, tag: "Contacts", request: { params: ContactId }, errors: [401, 404] });

const shown = { 200: { description: "The contact.", ...json(Contact) } };
const erased = { 200: { description: "Erased.", ...json(ContactErased) } };

const findByPhone = byPhone({
	method: "get",
	path: "/",
	operationId: "findContactByPhone",
	summary: "A contact by phone",
	responses: shown,
});
const eraseByPhone = byPhone({
	method: "delete",
	path: "/",
	operationId: "eraseContactByPhone",
	summary: "Erase a contact by phone (right to erasure)",
	responses: erased,
});
const get = byId({
	method: "get",
	path: "/{id}",
	operationId: "getContact",
	summary: "A contact: phone, stage, consent, messages",
	responses: shown,
});
const remove = byId({
	method: "delete",
	path: "/{id}",
	operationId: "eraseContact",
	summary: "Erase a contact (right to erasure)",
	responses: erased,
});

// Registered in this order so that Allow lists GET before DELETE.
contactRoutes.openapi(findByPhone, async (c) =>
	reply(c, findByPhone, 200, await profileOf(c, await contactFromQuery(c, c.req.valid("query")))),
);
contactRoutes.openapi(eraseByPhone, async (c) =>
	reply(c, eraseByPhone, 200, await erase(c, await contactFromQuery(c, c.req.valid("query")))),
);
contactRoutes.openapi(get, async (c) => reply(c, get, 200, await profileOf(c, await contactFromPath(c))));
contactRoutes.openapi(remove, async (c) => reply(c, remove, 200, await erase(c, await contactFromPath(c))));
