import { type Context, Hono } from "hono";
import { evictLink } from "../cache/link-cache";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { normalisePhone } from "./phone";
import { type ContactDetails, contactProfile, eraseContact, findContact } from "./queries";

/** Routes under /api/v1/contacts. */
export const contactRoutes = new Hono<AppEnv>();

async function contactFromQuery(c: Context<AppEnv>): Promise<ContactDetails> {
	const raw = c.req.query("phone");
	if (!raw) throw new ApiError("bad_request", "Name the contact: /contacts/<id> or /contacts?phone=%2B14155552671.");
	// A "+" typed into a URL arrives as a space: read a leading space before digits as the "+" it was.
	const phone = normalisePhone(raw.replace(/^ (?=\d)/, "+"), c.req.query("defaultCountry")?.toUpperCase());
	if (!phone.ok) throw new ApiError("validation_failed", phone.message, [{ path: "phone", message: phone.message }]);
	return found(await findContact(c.env.DB, c.get("workspaceId"), { phone: phone.e164 }));
}

function found(contact: ContactDetails | null): ContactDetails {
	if (!contact) throw new ApiError("not_found", "No contact with that id or phone in this workspace.");
	return contact;
}

async function showContact(c: Context<AppEnv>, contact: ContactDetails) {
	const { optedOutAt, stage, ...rest } = contact;
	const profile = await contactProfile(c.env.DB, contact);
	// A contact who has not tapped yet is in the journey's first stage, as GET /journey counts them.
	return c.json({
		contact: { ...rest, stage: stage ?? "awareness", optedOut: optedOutAt !== null, optedOutAt, ...profile },
	});
}

async function erase(c: Context<AppEnv>, contact: ContactDetails) {
	for (const code of await eraseContact(c.env.DB, contact.id, Date.now())) evictLink(code);
	return c.json({ erased: { id: contact.id } });
}

contactRoutes.get("/", async (c) => showContact(c, await contactFromQuery(c)));
contactRoutes.delete("/", async (c) => erase(c, await contactFromQuery(c)));
contactRoutes.get("/:id", async (c) =>
	showContact(c, found(await findContact(c.env.DB, c.get("workspaceId"), { id: c.req.param("id") }))),
);
contactRoutes.delete("/:id", async (c) =>
	erase(c, found(await findContact(c.env.DB, c.get("workspaceId"), { id: c.req.param("id") }))),
);
