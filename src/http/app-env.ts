import type { Scope } from "./scopes";

/** Hono's type parameters for every route: the Worker bindings and what middleware puts on the context. */
export interface AppEnv {
	Bindings: Env;
	Variables: {
		/** Set by `requireApiKey`: the workspace the caller's key belongs to. */
		workspaceId: string;
		/** Set by `requireApiKey`: the key's id and scopes (a dashboard session sets neither). */
		apiKeyId?: string;
		scopes?: readonly Scope[];
		/** Set by a route declaration with a `queryProblem`: what its bad queries are answered with. */
		queryProblem?: { message: string; details?: false };
	};
}
