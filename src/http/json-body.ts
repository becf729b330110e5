import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, type ErrorDetail } from "./errors";

/**
 * Reads and validates a JSON body. Malformed JSON is 400 `invalid_json`; a body that parses but breaks the schema
 * is 422 `validation_failed` with one detail per problem (and the array index for bulk inputs).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
	const type = c.req.header("content-type") ?? "";
	if (!/^application\/(.+\+)?json\b/i.test(type)) {
		throw new ApiError("unsupported_media_type", "Send a JSON body with Content-Type: application/json.");
	}
	let body: unknown;
	try {
		body = JSON.parse(await c.req.text());
	} catch {
		throw new ApiError("invalid_json", "The request body is not valid JSON.");
	}
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		throw new ApiError(
			"validation_failed",
			"The request body is invalid.",
			parsed.error.issues.slice(0, 100).map(toDetail),
		);
	}
	return parsed.data;
}

/**
 * Reads and validates a request's query parameters: anything that breaks the schema is 400 `bad_request`, with
 * `message` saying what is accepted and one detail per problem.
 */
export function readQuery<S extends z.ZodType>(c: Context, schema: S, message: string): z.output<S> {
	const parsed = schema.safeParse(c.req.query());
	if (!parsed.success) throw new ApiError("bad_request", message, parsed.error.issues.slice(0, 100).map(toDetail));
	return parsed.data;
}

function toDetail(issue: z.core.$ZodIssue): ErrorDetail {
	const path = issue.path.map(String).join(".");
	const index = issue.path.find((p): p is number => typeof p === "number");
	return { path, message: issue.message, ...(index === undefined ? {} : { index }) };
}
