import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { renderDocsPage } from "./docs-page";
import { openApiDocument } from "./document";

/** GET /api/v1/openapi.json: mount under /api/v1, before its catch-all. No auth: the contract is public. */
export const openApiRoutes = new Hono<AppEnv>();

let serialised: string | undefined;
let page: string | undefined;

openApiRoutes.get("/openapi.json", () => {
	serialised ??= JSON.stringify(openApiDocument());
	return new Response(serialised, {
		headers: {
			"content-type": "application/json; charset=utf-8",
			"cache-control": "public, max-age=300",
			"access-control-allow-origin": "*",
		},
	});
});

/** GET /docs: mount at the root, before the redirect's "/:code". */
export const docsRoutes = new Hono<AppEnv>();

docsRoutes.get("/docs", () => {
	page ??= renderDocsPage(openApiDocument());
	return new Response(page, {
		headers: {
			"content-type": "text/html; charset=utf-8",
			"cache-control": "public, max-age=300",
			// Self-contained: nothing may be loaded from anywhere, not even from this origin.
			"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
		},
	});
});
