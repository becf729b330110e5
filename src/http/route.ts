import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import { z } from "zod";
import type { AppEnv } from "./app-env";
import { limitBody } from "./body-limit";
import { ApiError, ErrorBody } from "./errors";
import { toDetail } from "./query";
import { assertScope, defaultScope, type Scope } from "./scopes";

// One declaration per route: its validators, response schemas, auth and error statuses, from which both the
// runtime checks and the OpenAPI document come (@hono/zod-openapi; docs/adr/0007-routes-declared-once.md says why).
// Auth is closed by default: a declaration without `auth` takes the API key, and a key needs the route's scope
// (src/http/scopes.ts): `read` for GET and HEAD, `full` for anything else unless the declaration names a narrower one.

/**
 * Who may call a route. A signed webhook names its scheme for the document and the middleware that checks the
 * signature; nothing else of the request is read before that middleware has passed it.
 */
export type Auth =
	| "apiKey"
	| "adminToken"
	| "public"
	| { scheme: "shopifyHmac" | "twilioSignature"; verify: MiddlewareHandler<AppEnv> };

/** What each error status means, for the error responses of every operation. */
export const ERROR_STATUSES = {
	400: "invalid_json or bad_request: malformed JSON, bad query parameters, a missing signature header.",
	401: "unauthorized: missing, wrong or revoked key, token or signature.",
	403: "forbidden: a signature that does not match, or an API key without the scope this route needs (named in the message and details).",
	404: "not_found: unknown, or another workspace's.",
	409: "conflict: a secret another workspace already uses.",
	413: "payload_too_large: the body is over this route's limit.",
	415: "unsupported_media_type: the body is not of the expected type.",
	422: "validation_failed: details lists each problem with its path (and index in a list).",
	429: "rate_limited: this API key made too many requests this minute; Retry-After says when to try again.",
	503: "not_configured or unavailable: see message and details.",
} as const;
type ErrorStatus = keyof typeof ERROR_STATUSES;

/** What a bad query is answered with: `bad_request`, this message, and one detail per problem unless `details` is false. */
interface QueryProblem {
	message: string;
	details?: false;
}

export interface RouteDeclaration extends Omit<RouteConfig, "security" | "middleware" | "hide" | "tags"> {
	tag: string;
	/** Default: the workspace's API key. */
	auth?: Auth;
	/** The scope an API key needs (API-key routes only). Default: `read` for GET and HEAD, `full` otherwise. */
	scope?: Scope;
	/** Bodies over this many bytes are refused with 413 before they are read. */
	bodyLimit?: number;
	/** What a query that breaks `request.query` is answered with. */
	queryProblem?: string | QueryProblem;
	/** Run after auth and the body limit, before the request is validated (e.g. the path's campaign, for its 404). */
	before?: MiddlewareHandler<AppEnv>[];
	/** Statuses answered with the shared error body. */
	errors: readonly ErrorStatus[];
}

type ErrorResponses<S extends ErrorStatus> = {
	[K in S]: { description: string; content: { "application/json": { schema: typeof ErrorBody } } };
};

export type DeclaredRoute<D extends RouteDeclaration> = Omit<
	D,
	"tag" | "auth" | "scope" | "bodyLimit" | "queryProblem" | "before" | "errors" | "responses"
> & {
	tags: string[];
	responses: D["responses"] & ErrorResponses<D["errors"][number]>;
	security: Record<string, string[]>[];
	middleware: MiddlewareHandler<AppEnv>[];
	getRoutingPath(): string;
};

type Checked = "apiKey" | "adminToken";
const checks: Partial<Record<Checked, MiddlewareHandler<AppEnv>>> = {};

/**
 * The app names what checks an API key and the admin token (src/workspaces/auth.ts): this folder sits below the
 * features and cannot import them. Until it has, a route that needs either answers 500, never the request.
 */
export function provideAuth(provided: Record<Checked, MiddlewareHandler<AppEnv>>): void {
	Object.assign(checks, provided);
}

function checkOf(kind: Checked): MiddlewareHandler<AppEnv> {
	return async function authenticate(c, next) {
		const check = checks[kind];
		if (!check) throw new Error(`no ${kind} check: call provideAuth() where the app is composed`);
		return check(c, next);
	};
}

function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
	return async function requireScope(c, next) {
		assertScope(c.get("scopes") ?? [], scope);
		await next();
	};
}

const JSON_TYPE = /^application\/(.+\+)?json\b/i;

/**
 * A JSON body or a clear refusal: 415 for another content type, 400 `invalid_json` for malformed JSON. The parsed
 * body is left in Hono's body cache, so the schema validator after it does not parse it again.
 */
function jsonBody(): MiddlewareHandler<AppEnv> {
	return async function jsonBody(c, next) {
		if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
			throw new ApiError("unsupported_media_type", "Send a JSON body with Content-Type: application/json.");
		}
		let body: unknown;
		try {
			body = JSON.parse(await c.req.text());
		} catch {
			throw new ApiError("invalid_json", "The request body is not valid JSON.");
		}
		c.req.bodyCache.json = Promise.resolve(body);
		await next();
	};
}

function queryProblem(problem: QueryProblem): MiddlewareHandler<AppEnv> {
	return async function queryProblem(c, next) {
		c.set("queryProblem", problem);
		await next();
	};
}

function hasJsonSchemaBody(declaration: RouteDeclaration): boolean {
	const content = declaration.request?.body?.content ?? {};
	return Object.entries(content).some(
		([type, media]) => JSON_TYPE.test(type) && media && "schema" in media && isZod(media.schema),
	);
}

const isZod = (schema: unknown): boolean =>
	typeof schema === "object" && schema !== null && typeof (schema as { safeParse?: unknown }).safeParse === "function";

function firstValues(query: unknown): unknown {
	if (typeof query !== "object" || query === null) return query;
	return Object.fromEntries(
		Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
	);
}

/** One route: what it takes, answers and requires, as the runtime enforces it and the document shows it. */
export function declareRoute<const D extends RouteDeclaration>(declaration: D): DeclaredRoute<D> {
	const {
		tag,
		auth = "apiKey",
		scope,
		bodyLimit,
		queryProblem: problem,
		before = [],
		errors: declared,
		...route
	} = declaration;
	if (scope !== undefined && auth !== "apiKey")
		throw new Error(`${route.path}: a scope applies to API-key routes only`);
	const needed = scope ?? defaultScope(route.method);
	const middleware: MiddlewareHandler<AppEnv>[] = [];
	const limit = bodyLimit === undefined ? [] : [limitBody(bodyLimit)];
	let scheme: string | null;
	let scopes: string[] = [];
	// Every API-key route can answer a key without the scope, and a key over its rate limit.
	const errors: readonly ErrorStatus[] = auth === "apiKey" ? [...new Set([...declared, 403, 429] as const)] : declared;
	if (auth === "apiKey") {
		scheme = "apiKey";
		scopes = [needed];
		middleware.push(checkOf("apiKey"), requireScope(needed), ...limit);
	} else if (auth === "adminToken") {
		scheme = "adminToken";
		middleware.push(checkOf("adminToken"), ...limit);
	} else if (auth === "public") {
		scheme = null;
		middleware.push(...limit);
	} else {
		// A signature covers the body: the limit comes first, so that an oversized body is never read to check it.
		scheme = auth.scheme;
		middleware.push(...limit, auth.verify);
	}
	middleware.push(...before);
	if (hasJsonSchemaBody(declaration)) middleware.push(jsonBody());
	if (problem !== undefined)
		middleware.push(queryProblem(typeof problem === "string" ? { message: problem } : problem));
	const errorResponses = Object.fromEntries(
		errors.map((status) => [
			status,
			{ description: ERROR_STATUSES[status], content: { "application/json": { schema: ErrorBody } } },
		]),
	);
	// The validator reads a repeated parameter as a list; the API has always taken its first value, as c.req.query() does.
	const request =
		route.request?.query === undefined
			? route.request
			: { ...route.request, query: z.preprocess(firstValues, route.request.query) };
	return createRoute({
		...route,
		...(request ? { request } : {}),
		tags: [tag],
		security: scheme === null ? [] : [{ [scheme]: scopes }],
		middleware,
		responses: { ...route.responses, ...errorResponses },
	}) as unknown as DeclaredRoute<D>;
}

/**
 * Declares a route for the document only: the handler is a plain Hono route with nothing in front of it. For hot
 * paths (the redirect, the pixel) whose speed matters more than a validator, and which are public by nature.
 */
export function documentRoute<
	const D extends RouteDeclaration & { auth: "public"; before?: never; bodyLimit?: never; queryProblem?: never },
>(router: OpenAPIHono<AppEnv>, declaration: D): RoutingPath<D["path"]> {
	const { middleware: _, ...route } = declareRoute(declaration);
	router.openAPIRegistry.registerPath(route as RouteConfig);
	return declaration.path.replaceAll(/\/{(.+?)}/g, "/:$1") as RoutingPath<D["path"]>;
}

/** "/{id}/links" as Hono routes it: "/:id/links". */
type RoutingPath<P extends string> = P extends `${infer Head}{${infer Name}}${infer Tail}`
	? `${Head}:${Name}${RoutingPath<Tail>}`
	: P;

/** The validators' failures, in the API's error shape: a bad body is a 422, a bad query a 400. */
function answerInvalid(result: { success: boolean; target: string; error?: z.ZodError }, c: Context<AppEnv>): void {
	if (result.success || !result.error) return;
	const details = result.error.issues.slice(0, 100).map(toDetail);
	if (result.target === "json") throw new ApiError("validation_failed", "The request body is invalid.", details);
	const problem = c.get("queryProblem");
	throw new ApiError(
		"bad_request",
		problem?.message ?? "The request is invalid.",
		problem?.details === false ? undefined : details,
	);
}

/**
 * Adds a schema that no declaration names directly (a row of a streamed export, the items of a list checked by
 * hand) to the document's components. Registered as a fresh copy: zod-to-openapi's registry needs the `.openapi`
 * method it patches onto zod, which schemas built before @hono/zod-openapi loaded do not have.
 */
export function registerSchema(router: OpenAPIHono<AppEnv>, id: string, schema: z.ZodType): void {
	router.openAPIRegistry.register(id, schema.meta({ id }));
}

/** A router whose routes are declared with `declareRoute`. */
export function apiRouter(): OpenAPIHono<AppEnv> {
	return new OpenAPIHono<AppEnv>({ defaultHook: answerInvalid });
}

type JsonResponses<R extends RouteConfig> = {
	[S in keyof R["responses"] as R["responses"][S] extends {
		content: { "application/json": { schema: z.ZodType } };
	}
		? S
		: never]: R["responses"][S] extends { content: { "application/json": { schema: infer Schema extends z.ZodType } } }
		? z.output<Schema>
		: never;
};

/**
 * `body` with every property that `Shape` lacks, at any depth, typed `never`: a wider object is assignable to its
 * schema's type, so this is what makes an extra field an error even when it arrives through a spread or a variable.
 */
export type Exact<Shape, T> = T extends readonly (infer Item)[]
	? Shape extends readonly (infer ShapeItem)[]
		? Exact<ShapeItem, Item>[]
		: T
	: T extends object
		? Shape extends object
			? { [K in keyof T]: K extends keyof Shape ? Exact<Shape[K], T[K]> : never }
			: T
		: T;

/**
 * `c.json` for a declared route: the body must be the route's response schema for that status, with no field the
 * schema lacks (plain `c.json` lets an extra field through).
 */
export function reply<
	R extends RouteConfig,
	S extends keyof JsonResponses<R> & ContentfulStatusCode,
	B extends JsonResponses<R>[S],
>(
	c: Context,
	_route: R,
	status: S,
	body: B & Exact<JsonResponses<R>[S], B>,
): Response & TypedResponse<JSONParsed<JsonResponses<R>[S]>, S, "json"> {
	return c.json(body as never, status) as Response & TypedResponse<JSONParsed<JsonResponses<R>[S]>, S, "json">;
}
