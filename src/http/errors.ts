import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/** Every error the API can answer with, and its HTTP status. */
const STATUS = {
	bad_request: 400,
	invalid_json: 400,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	method_not_allowed: 405,
	conflict: 409,
	payload_too_large: 413,
	unsupported_media_type: 415,
	validation_failed: 422,
	rate_limited: 429,
	internal_error: 500,
	not_configured: 503,
	unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof STATUS;

/** The error body, as every route declares it: `renderError` below is the one place that builds it. */
export const ErrorBody = z
	.strictObject({
		error: z.strictObject({
			code: z.enum(Object.keys(STATUS) as [ErrorCode, ...ErrorCode[]]),
			message: z.string(),
			requestId: z.string(),
			details: z
				.array(
					z.strictObject({
						path: z.string().describe('Where the problem is, e.g. "recipients.3.phone".'),
						message: z.string(),
						index: z.number().int().optional().describe("Position in the input array, for bulk requests."),
					}),
				)
				.optional(),
		}),
	})
	.meta({ id: "Error", description: "Every error the API answers with." });

export interface ErrorDetail {
	/** Where the problem is: a JSON path such as "recipients.3.phone". */
	path: string;
	message: string;
	/** Position in the input array, for bulk requests. */
	index?: number;
}

/** The one error type handlers throw; `renderError` turns it into `{error:{code,message,requestId,details?}}`. */
export class ApiError extends Error {
	readonly code: ErrorCode;
	readonly details: ErrorDetail[] | undefined;

	constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
		super(message);
		this.name = "ApiError";
		this.code = code;
		this.details = details;
	}

	get status(): ContentfulStatusCode {
		return STATUS[this.code];
	}
}

export function renderError(err: Error, c: Context): Response {
	const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
	if (err instanceof ApiError) {
		return c.json(
			{ error: { code: err.code, message: err.message, requestId, ...(err.details ? { details: err.details } : {}) } },
			err.status,
		);
	}
	// The route declarations' own media-type gate (see http/route.ts) answers as the API always has.
	if (err instanceof HTTPException && err.status === 415) {
		return renderError(
			new ApiError("unsupported_media_type", "Send a JSON body with Content-Type: application/json."),
			c,
		);
	}
	console.error(
		JSON.stringify({ msg: "unhandled error", requestId, path: c.req.path, error: String(err.stack ?? err) }),
	);
	return c.json({ error: { code: "internal_error", message: "Something went wrong on our side.", requestId } }, 500);
}
