import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema";

export type { components, operations, paths } from "./schema";

export interface TaplineClientOptions extends Omit<ClientOptions, "baseUrl"> {
	/** Origin of the Tapline deployment, e.g. https://tap.example. */
	baseUrl: string;
	/** The workspace's API key (tl_…), or the admin token to create workspaces. */
	apiKey?: string;
}

/**
 * A typed client of the Tapline API: paths, parameters, bodies and answers are checked by TypeScript against the
 * OpenAPI document. Each call resolves to `{ data, error, response }`: `data` on a 2xx, `error` (the API's error
 * body) otherwise.
 */
export function createTaplineClient({ baseUrl, apiKey, headers, ...options }: TaplineClientOptions): Client<paths> {
	const merged = new Headers(headers as HeadersInit | undefined);
	if (apiKey) merged.set("authorization", `Bearer ${apiKey}`);
	return createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, ""), headers: merged });
}
