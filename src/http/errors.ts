import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

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
	console.error(
		JSON.stringify({ msg: "unhandled error", requestId, path: c.req.path, error: String(err.stack ?? err) }),
	);
	return c.json({ error: { code: "internal_error", message: "Something went wrong on our side.", requestId } }, 500);
}
