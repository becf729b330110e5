import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, type ErrorDetail } from "./errors";

/**
 * Reads and validates a request's query parameters outside a route declaration (the dashboard's pages): anything
 * that breaks the schema is 400 `bad_request`, with `message` saying what is accepted and one detail per problem.
 */
export function readQuery<S extends z.ZodType>(c: Context, schema: S, message: string): z.output<S> {
	const parsed = schema.safeParse(c.req.query());
	if (!parsed.success) throw new ApiError("bad_request", message, parsed.error.issues.slice(0, 100).map(toDetail));
	return parsed.data;
}

export function toDetail(issue: z.core.$ZodIssue): ErrorDetail {
	const path = issue.path.map(String).join(".");
	const index = issue.path.find((p): p is number => typeof p === "number");
	return { path, message: issue.message, ...(index === undefined ? {} : { index }) };
}
