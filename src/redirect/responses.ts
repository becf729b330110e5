// Pages a person sees on their phone instead of a redirect: small, self-contained, never cached.
function page(title: string, text: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;color:#222}
main{max-width:22rem;padding:1.5rem;text-align:center}h1{font-size:1.25rem}</style></head>
<body><main><h1>${title}</h1><p>${text}</p></main></body></html>
`;
}

// One fixed page for every unknown code, deleted or never minted, so a response says nothing about which.
const NOT_FOUND = page("This link doesn’t work", "It may have been mistyped or it is no longer active.");
const UNAVAILABLE = page("Please try again", "This link can’t be opened right now. Try again in a moment.");

const PAGE_HEADERS = {
	"content-type": "text/html; charset=utf-8",
	"cache-control": "no-store",
	"x-robots-tag": "noindex",
};

export function notFoundPage(): Response {
	return new Response(NOT_FOUND, { status: 404, headers: PAGE_HEADERS });
}

export function unavailablePage(): Response {
	return new Response(UNAVAILABLE, { status: 503, headers: { ...PAGE_HEADERS, "retry-after": "5" } });
}

export function declinedPrefetch(): Response {
	return new Response("Prefetch declined: this link is counted when it is opened.\n", {
		status: 503,
		headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "retry-after": "0" },
	});
}
