import { Hono } from "hono";
import { z } from "zod";
import { normalisePhone } from "../contacts/phone";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { isCurrency, toMinor } from "./money";
import { sendPurchase } from "./send";

// Purchases may be reported late (a nightly import), but not from the future beyond clock skew, and not before
// 2000: such a number is almost always Unix seconds sent where milliseconds were meant.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const EARLIEST = Date.UTC(2000, 0, 1);

export const Conversion = z
	.strictObject({
		orderId: z.string().trim().min(1).max(128),
		value: z.number().finite().min(0).max(1_000_000_000),
		currency: z
			.string()
			.transform((s) => s.toUpperCase())
			.refine(isCurrency, "must be an ISO 4217 currency code such as USD"),
		tlid: z
			.string()
			.regex(/^[0-9A-Za-z]{8,64}$/, "must be the tlid from the landing page URL")
			.optional(),
		contactId: z.string().min(1).max(64).optional(),
		phone: z.string().min(1).max(40).optional(),
		externalId: z.string().trim().min(1).max(200).optional(),
		at: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).optional(),
	})
	.refine((c) => c.tlid || c.contactId || c.phone || c.externalId, {
		message: "give at least one of tlid, contactId, phone or externalId, so the purchase can be attributed",
	});

export const conversionRoutes = new Hono<AppEnv>();

/** The trusted, server-to-server way to report a purchase. Idempotent by (workspace, orderId). */
conversionRoutes.post("/", limitBody(16 * 1024), async (c) => {
	const input = await readJson(c, Conversion);
	const now = Date.now();
	const at = input.at === undefined ? now : typeof input.at === "number" ? input.at : Date.parse(input.at);
	if (at > now + MAX_CLOCK_SKEW_MS) {
		throw new ApiError("validation_failed", "The request body is invalid.", [
			{ path: "at", message: "is in the future" },
		]);
	}
	if (at < EARLIEST) {
		throw new ApiError("validation_failed", "The request body is invalid.", [
			{ path: "at", message: "is before 2000: send epoch milliseconds (not seconds) or an ISO 8601 date" },
		]);
	}
	let phone: string | null = null;
	if (input.phone) {
		const normalised = normalisePhone(input.phone);
		if (!normalised.ok) {
			throw new ApiError("validation_failed", "The request body is invalid.", [
				{ path: "phone", message: normalised.message },
			]);
		}
		phone = normalised.e164;
	}
	await sendPurchase(c.env, {
		source: "api",
		workspaceId: c.get("workspaceId"),
		orderId: input.orderId,
		valueMinor: toMinor(input.value, input.currency),
		currency: input.currency,
		at,
		receivedAt: now,
		tlid: input.tlid ?? null,
		contactId: input.contactId ?? null,
		phone,
		externalId: input.externalId ?? null,
		webhookId: null,
	});
	return c.json({ accepted: true, orderId: input.orderId }, 202);
});
