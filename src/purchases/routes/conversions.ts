import { z } from "zod";
import { normalisePhone } from "../../contacts/phone";
import { ApiError } from "../../http/errors";
import { apiRouter, declareRoute, reply } from "../../http/route";
import { jsonContent as json } from "../../http/schemas";
import { isCurrency, toMinor } from "../money";
import { sendPurchase } from "../send";

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
			.refine(isCurrency, "must be an ISO 4217 currency code such as USD")
			.describe("ISO 4217 code, any case."),
		tlid: z
			.string()
			.regex(/^[0-9A-Za-z]{8,64}$/, "must be the tlid from the landing page URL")
			.optional(),
		contactId: z.string().min(1).max(64).optional(),
		phone: z.string().min(1).max(40).optional(),
		externalId: z.string().trim().min(1).max(200).optional(),
		at: z
			.union([z.iso.datetime({ offset: true }), z.number().int().positive()])
			.optional()
			.describe("When the order was placed: ISO 8601 or epoch milliseconds."),
	})
	.refine((c) => c.tlid || c.contactId || c.phone || c.externalId, {
		message: "give at least one of tlid, contactId, phone or externalId, so the purchase can be attributed",
	})
	.meta({
		id: "Conversion",
		description: "At least one of tlid, contactId, phone or externalId, so the purchase can be attributed.",
		anyOf: ["tlid", "contactId", "phone", "externalId"].map((field) => ({ required: [field] })),
	});

const ConversionAccepted = z
	.strictObject({ accepted: z.literal(true), orderId: z.string() })
	.meta({ id: "ConversionAccepted" });

/** Routes under /api/v1/conversions. */
export const conversionRoutes = apiRouter();

const report = declareRoute({
	method: "post",
	path: "/",
	operationId: "reportConversion",
	scope: "conversions:write",
	tag: "Purchases",
	summary: "Report a purchase, server to server",
	description: "Idempotent by (workspace, orderId).",
	bodyLimit: 16 * 1024,
	request: { body: { required: true, ...json(Conversion) } },
	responses: { 202: { description: "Queued.", ...json(ConversionAccepted) } },
	errors: [400, 401, 413, 415, 422],
});

/** The trusted, server-to-server way to report a purchase. Idempotent by (workspace, orderId). */
conversionRoutes.openapi(report, async (c) => {
	const input = c.req.valid("json");
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
	return reply(c, report, 202, { accepted: true, orderId: input.orderId });
});
