import type { Context } from "hono";
import { z } from "zod";
import { evictLink } from "../cache/link-cache";
import { config } from "../config";
import { optOutByApi } from "../consent/queries";
import { phoneHash } from "../consent/suppression";
import { CAMPAIGN_STAGES, type CampaignStage, MESSAGE_STATUSES } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, type RouteDeclaration, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { emitEvents } from "../outbound-webhooks/emit";
import { contactOptedOut } from "../outbound-webhooks/events";
import { normalisePhone } from "./phone";
import { type ContactDetails, contactProfile, eraseContact, findContact } from "./queries";
import { DefaultCountry } from "./recipients";

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
const PhoneBody = z
	.strictObject({
		phone: z.string().min(1).max(40).describe("The phone, e.g. +14155552671."),
		defaultCountry: DefaultCountry,
	})
	.meta({ id: "ContactPhone" });
const ContactId = z.object({ id: z.string().describe("The contact's id (ct_…).") });
const PHONE_PROBLEM = {
	message: 'Name the contact: /contacts/<id>, or POST /contacts/search with {"phone": "+14155552671"}.',
	details: false,
} as const;

// The phone in a query string lands in every request log on the way (Cloudflare's, a proxy's, the client's): the
// query forms are kept for the clients that use them, deprecated (RFC 9745) in favour of the body forms.
const DEPRECATED_SINCE = "@1796169600"; // 2026-12-02
const deprecation = (successor: string) => ({
	Deprecation: { schema: { type: "string" as const }, description: `Deprecated since 2026-12-02 (RFC 9745).` },
	Link: { schema: { type: "string" as const }, description: `<${successor}>; rel="successor-version"` },
});
function markDeprecated(c: Context<AppEnv>, successor: string): void {
	c.header("Deprecation", DEPRECATED_SINCE);
	c.header("Link", `<${successor}>; rel="successor-version"`);
}

/** Routes under /api/v1/contacts. */
export const contactRoutes = apiRouter();

async function contactByPhone(
	c: Context<AppEnv>,
	input: { phone: string; defaultCountry?: string | undefined },
): Promise<ContactDetails> {
	const phone = normalisePhone(input.phone, input.defaultCountry?.toUpperCase());
	if (!phone.ok) throw new ApiError("validation_failed", phone.message, [{ path: "phone", message: phone.message }]);
	return found(await findContact(c.env.DB, c.get("workspaceId"), { phone: phone.e164 }));
}

async function contactFromQuery(c: Context<AppEnv>, query: z.infer<typeof PhoneQuery>): Promise<ContactDetails> {
	// A "+" typed into a URL arrives as a space: read a leading space before digits as the "+" it was.
	return contactByPhone(c, { ...query, phone: query.phone.replace(/^ (?=\d)/, "+") });
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
	// Without the secret an opted-out contact's opt-out could not be kept: better no erasure than a texted STOP.
	const secret = config(c.env).suppressionSecret;
	if (!secret) {
		throw new ApiError(
			"not_configured",
			"Erasing contacts needs SUPPRESSION_SECRET (it keeps an erased contact's opt-out); nothing was erased.",
		);
	}
	const hash = await phoneHash(secret, contact.phone);
	for (const code of await eraseContact(
		c.env.DB,
		{ id: contact.id, phone: contact.phone, phoneHash: hash },
		Date.now(),
	))
		evictLink(code);
	return { erased: { id: contact.id } };
}

async function optOut(c: Context<AppEnv>, contact: ContactDetails): Promise<Contact> {
	const workspaceId = c.get("workspaceId");
	const at = Date.now();
	if (contact.optedOutAt === null) {
		const { changed, sourceId } = await optOutByApi(c.env.DB, workspaceId, contact.id, at);
		if (changed) {
			const event = contactOptedOut({
				workspaceId,
				contactId: contact.id,
				phone: contact.phone,
				source: "api",
				sourceId,
				at,
			});
			// Stored already; a marketer's system hearing of it late is better than the call failing.
			c.executionCtx.waitUntil(
				emitEvents(c.env, [event]).catch((err: unknown) =>
					console.error(JSON.stringify({ msg: "opt-out webhook not queued", error: String(err) })),
				),
			);
		}
	}
	return profileOf(c, found(await findContact(c.env.DB, workspaceId, { id: contact.id })));
}

const byPhone = <const D extends Omit<RouteDeclaration, "tag" | "request" | "queryProblem">>(d: D) =>
	declareRoute({
		...d,
		tag: "Contacts",
		deprecated: true,
		request: { query: PhoneQuery },
		queryProblem: PHONE_PROBLEM,
	});
const byBody = <const D extends Omit<RouteDeclaration, "tag" | "method" | "request" | "bodyLimit">>(d: D) =>
	declareRoute({
		...d,
		method: "post",
		tag: "Contacts",
		bodyLimit: 4 * 1024,
		request: { body: { required: true, ...json(PhoneBody) } },
	});
const byId = <const D extends Omit<RouteDeclaration, "tag" | "request">>(d: D) =>
	declareRoute({ ...d, tag: "Contacts", request: { params: ContactId } });

const shown = { 200: { description: "The contact.", ...json(Contact) } };
const erased = { 200: { description: "Erased.", ...json(ContactErased) } };
const ERASE_NOTE =
	"An opted-out contact stays opted out: the keyed hash of the phone stays on the workspace's suppression list, so " +
	"the number minted or sent to again comes back opted out. 503 when SUPPRESSION_SECRET is not set.";

const findByPhone = byPhone({
	method: "get",
	path: "/",
	operationId: "findContactByPhone",
	summary: "A contact by phone (deprecated: use POST /contacts/search)",
	description: "Deprecated: the phone in the URL reaches request logs. Answers as POST /contacts/search does.",
	responses: { 200: { ...shown[200], headers: deprecation("/api/v1/contacts/search") } },
	errors: [400, 401, 404, 422],
});
const eraseByPhone = byPhone({
	method: "delete",
	path: "/",
	operationId: "eraseContactByPhone",
	summary: "Erase a contact by phone (deprecated: use POST /contacts/erase)",
	description: `Deprecated: the phone in the URL reaches request logs. Answers as POST /contacts/erase does. ${ERASE_NOTE}`,
	responses: { 200: { ...erased[200], headers: deprecation("/api/v1/contacts/erase") } },
	errors: [400, 401, 404, 422, 503],
});
const search = byBody({
	path: "/search",
	operationId: "searchContact",
	summary: "A contact by phone, the phone in the body",
	// A read, though a POST (to keep the phone out of the URL): a read-only key may search.
	scope: "read",
	responses: shown,
	errors: [400, 401, 404, 413, 415, 422],
});
const eraseByBody = byBody({
	path: "/erase",
	operationId: "eraseContactByPhoneBody",
	summary: "Erase a contact by phone (right to erasure), the phone in the body",
	description: ERASE_NOTE,
	responses: erased,
	errors: [400, 401, 404, 413, 415, 422, 503],
});
const get = byId({
	method: "get",
	path: "/{id}",
	operationId: "getContact",
	summary: "A contact: phone, stage, consent, messages",
	responses: shown,
	errors: [401, 404],
});
const remove = byId({
	method: "delete",
	path: "/{id}",
	operationId: "eraseContact",
	summary: "Erase a contact (right to erasure)",
	description: ERASE_NOTE,
	responses: erased,
	errors: [401, 404, 503],
});
const optOutRoute = byId({
	method: "post",
	path: "/{id}/opt-out",
	operationId: "optOutContact",
	summary: "Opt a contact out (source api)",
	description:
		"Records an opt-out with source api, as a STOP would: the contact's pending messages are cancelled and no " +
		"send texts them until they text START. Idempotent: a contact already opted out is answered as it is.",
	responses: { 200: { description: "The contact, opted out.", ...json(Contact) } },
	errors: [401, 404],
});

// Registered in this order so that Allow lists GET before DELETE.
contactRoutes.openapi(findByPhone, async (c) => {
	markDeprecated(c, "/api/v1/contacts/search");
	return reply(c, findByPhone, 200, await profileOf(c, await contactFromQuery(c, c.req.valid("query"))));
});
contactRoutes.openapi(eraseByPhone, async (c) => {
	markDeprecated(c, "/api/v1/contacts/erase");
	return reply(c, eraseByPhone, 200, await erase(c, await contactFromQuery(c, c.req.valid("query"))));
});
contactRoutes.openapi(search, async (c) =>
	reply(c, search, 200, await profileOf(c, await contactByPhone(c, c.req.valid("json")))),
);
contactRoutes.openapi(eraseByBody, async (c) =>
	reply(c, eraseByBody, 200, await erase(c, await contactByPhone(c, c.req.valid("json")))),
);
contactRoutes.openapi(get, async (c) => reply(c, get, 200, await profileOf(c, await contactFromPath(c))));
contactRoutes.openapi(remove, async (c) => reply(c, remove, 200, await erase(c, await contactFromPath(c))));
contactRoutes.openapi(optOutRoute, async (c) => reply(c, optOutRoute, 200, await optOut(c, await contactFromPath(c))));
