import type { OpenApiDocument } from "./document";
import type { JsonSchema } from "./schema-json";

// The human docs: one server-rendered page from the same document, with nothing fetched from elsewhere (no CDN,
// no script), readable on a phone.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const AUTH_LABEL: Record<string, string> = {
	apiKey: "API key",
	adminToken: "admin token",
	shopifyHmac: "Shopify HMAC",
	twilioSignature: "Twilio signature",
};

/** A short type: "string", "integer 1–100", "Recipient[]", "string | null", "one of a, b". */
function typeOf(schema: JsonSchema | undefined): string {
	if (!schema) return "any";
	if (typeof schema.$ref === "string") return schema.$ref.replace("#/components/schemas/", "");
	if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(", ")}`;
	if ("const" in schema) return JSON.stringify(schema.const);
	const options = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
	if (options) return options.map(typeOf).join(" | ");
	if (schema.type === "array") return `${typeOf(schema.items as JsonSchema | undefined)}[]`;
	if (schema.type === "object" && !schema.properties && schema.additionalProperties) {
		return `{name: ${typeOf(schema.additionalProperties as JsonSchema)}}`;
	}
	const type = Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "any");
	const range = [schema.minimum ?? schema.minLength, schema.maximum ?? schema.maxLength];
	return range[0] !== undefined || range[1] !== undefined ? `${type} ${range[0] ?? ""}–${range[1] ?? ""}` : type;
}

function fieldRows(schema: JsonSchema): string {
	const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
	const required = new Set((schema.required as string[] | undefined) ?? []);
	return Object.entries(properties)
		.map(
			([name, property]) =>
				`<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? "" : "?"}</td><td>${escapeHtml(typeOf(property))}${
					property.description ? `<br><small>${escapeHtml(String(property.description))}</small>` : ""
				}</td></tr>`,
		)
		.join("");
}

function schemaBlock(name: string, schema: JsonSchema): string {
	const options = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
	const rows = schema.properties ? fieldRows(schema) : "";
	return `<section class="schema" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${
		schema.description ? `<p>${escapeHtml(String(schema.description))}</p>` : ""
	}${options && !rows ? `<p>${escapeHtml(options.map(typeOf).join(" or "))}</p>` : ""}${
		rows ? `<table>${rows}</table>` : ""
	}</section>`;
}

function link(schema: JsonSchema | undefined): string {
	const type = escapeHtml(typeOf(schema));
	return typeof schema?.$ref === "string" ? `<a href="#schema-${type}">${type}</a>` : type;
}

function operationBlock(path: string, method: string, op: JsonSchema, authLabel?: string): string {
	const security = ((op.security ?? []) as Record<string, unknown>[]).flatMap((s) => Object.keys(s));
	const auth = authLabel ?? (security.map((s) => AUTH_LABEL[s] ?? s).join(", ") || "none");
	const params = ((op.parameters ?? []) as JsonSchema[])
		.map(
			(p) =>
				`<tr><td><code>${escapeHtml(String(p.name))}</code>${p.required ? "" : "?"} <small>${escapeHtml(String(p.in))}</small></td><td>${escapeHtml(
					typeOf(p.schema as JsonSchema),
				)}${p.description ? `<br><small>${escapeHtml(String(p.description))}</small>` : ""}</td></tr>`,
		)
		.join("");
	const body = (op.requestBody as { content: Record<string, { schema: JsonSchema }> } | undefined)?.content;
	const bodyLine = body
		? Object.entries(body)
				.map(([type, { schema }]) => `<p>Body <code>${escapeHtml(type)}</code>: ${link(schema)}</p>`)
				.join("")
		: "";
	const responses = Object.entries(op.responses as Record<string, JsonSchema>)
		.map(([status, r]) => {
			const content = (r.content ?? {}) as Record<string, { schema: JsonSchema }>;
			const types = Object.entries(content)
				.map(([type, { schema }]) => `<code>${escapeHtml(type)}</code> ${link(schema)}`)
				.join(", ");
			return `<li><b>${status}</b> ${escapeHtml(String(r.description))}${types ? ` — ${types}` : ""}</li>`;
		})
		.join("");
	return `<article id="${escapeHtml(String(op.operationId))}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(
		path,
	)}</code></h3><p><b>${escapeHtml(String(op.summary))}.</b>${op.description ? ` ${escapeHtml(String(op.description))}` : ""}</p><p class="auth">Auth: ${escapeHtml(
		auth,
	)}</p>${params ? `<table>${params}</table>` : ""}${bodyLine}<ul>${responses}</ul></article>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fff}
main{max-width:52rem;margin:auto;padding:1rem}body{overflow-wrap:anywhere}a{overflow-wrap:normal}code{white-space:pre-wrap}h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:.2rem 0;overflow-wrap:anywhere}article,.schema{border:1px solid #e3e3e3;border-radius:8px;padding:.6rem .8rem;margin:.7rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}td{border-top:1px solid #eee;padding:.25rem .4rem;vertical-align:top;overflow-wrap:anywhere}
td:first-child{width:38%}code{font-size:.9em}ul{padding-left:1.1rem;margin:.3rem 0}.auth{color:#555;margin:.2rem 0}
.m{display:inline-block;min-width:3.6rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:0 .3rem}
.get{background:#1a7f37}.post{background:#0969da}.put{background:#8250df}.patch{background:#9a6700}.delete{background:#cf222e}
nav a{margin-right:.6rem}`;

/** The whole page. */
export function renderDocsPage(doc: OpenApiDocument): string {
	const byTag = new Map<string, string[]>();
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const [method, op] of Object.entries(item)) {
			const tag = (op.tags as string[])[0] ?? "Other";
			byTag.set(tag, [...(byTag.get(tag) ?? []), operationBlock(path, method, op)]);
		}
	}
	// What Tapline posts to a marketer's endpoint, one block per event type, beside the endpoints' own API.
	for (const [type, { post }] of Object.entries(doc.webhooks)) {
		const tag = (post.tags as string[])[0] ?? "Other";
		const block = operationBlock(`(your endpoint) — ${type}`, "post", post, "signed by Tapline (Standard Webhooks)");
		byTag.set(tag, [...(byTag.get(tag) ?? []), block]);
	}
	const sections = doc.tags
		.filter((t) => byTag.has(t.name))
		.map(
			(t) =>
				`<section id="tag-${escapeHtml(t.name)}"><h2>${escapeHtml(t.name)}</h2><p>${escapeHtml(t.description)}</p>${(
					byTag.get(t.name) ?? []
				).join("")}</section>`,
		)
		.join("");
	const schemas = Object.entries(doc.components.schemas)
		.map(([name, schema]) => schemaBlock(name, schema))
		.join("");
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(doc.info.title)}</h1><p>${escapeHtml(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${doc.openapi}).</p>
<nav>${doc.tags
		.filter((t) => byTag.has(t.name))
		.map((t) => `<a href="#tag-${escapeHtml(t.name)}">${escapeHtml(t.name)}</a>`)
		.join("")}<a href="#schemas">Schemas</a></nav>
${sections}<section id="schemas"><h2>Schemas</h2>${schemas}</section></main></body></html>
`;
}
