/** The origin Tapline is reached at from outside: PUBLIC_URL, else the origin of the request (local development). */
export function publicOrigin(env: Env, requestUrl: string): string {
	return (env.PUBLIC_URL || new URL(requestUrl).origin).replace(/\/+$/, "");
}
