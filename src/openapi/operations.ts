import { MAX_RECIPIENTS_PER_REQUEST } from "../links/routes";
import { MAX_SEND_RECIPIENTS } from "../messages/send-routes";
import { queryParameters } from "./requests";
import { type JsonSchema, ref } from "./schema-json";

export type Auth = "apiKey" | "adminToken" | "shopifyHmac" | "twilioSignature" | "none";

export interface ResponseSpec {
	description: string;
	/** Media type → schema. */
	content?: Record<string, JsonSchema>;
	headers?: Record<string, string>;
}

export interface OperationSpec {
	method: "get" | "post" | "put" | "patch" | "delete";
	/** OpenAPI path, e.g. /api/v1/campaigns/{id}. */
	path: string;
	operationId: string;
	tag: string;
	summary: string;
	description?: string;
	auth: Auth;
	parameters?: JsonSchema[];
	body?: { mediaType: string; schema: JsonSchema };
	responses: Record<number, ResponseSpec>;
	/** Error statuses, answered with the shared error body. */
	errors: number[];
}

const json = (schema: JsonSchema) => ({ "application/json": schema });
const jsonBody = (id: string) => ({ mediaType: "application/json", schema: ref(id) });
const pathParam = (name: string, description: string): JsonSchema => ({
	name,
	in: "path",
	required: true,
	schema: { type: "string" },
	description,
});
const queryParam = (name: string, schema: JsonSchema, description: string, required = false): JsonSchema => ({
	name,
	in: "query",
	required,
	schema,
	description,
});
const header = (name: string, description: string, required = false): JsonSchema => ({
	name,
	in: "header",
	required,
	schema: { type: "string" },
	description,
});
const campaignId = pathParam("id", "The campaign's id (cmp_…).");
const exportContent = (row: string): Record<string, JsonSchema> => ({
	"text/csv": {
		type: "string",
		description: "RFC 4180 CSV; the first response (no cursor) starts with a header row, later ones do not.",
	},
	"application/x-ndjson": {
		type: "string",
		description: `One JSON object per line, each a ${row}.`,
		"x-ndjson-item": ref(row),
	},
});
const exportHeaders = (kind: string): Record<string, string> => ({
	"content-disposition": `attachment; filename="tapline-<campaign>-${kind}.<format>"`,
	"x-next-cursor":
		"Present when more rows follow this response: pass it as `cursor` to get them. Sent before the body.",
	link: 'The next response\'s URL, `<…?format=…&limit=…&cursor=…>; rel="next"`, when X-Next-Cursor is present.',
});
const exportDescription =
	"Streamed in pages read from D1. One response holds at most `limit` rows (1,000,000 by default and at most); " +
	"when more follow, X-Next-Cursor (and Link) name where the next response starts. Concatenated, the responses " +
	"are the whole export, each row once, in order.";
const html = { "text/html": { type: "string" } };
const twilioForm = (properties: Record<string, string>): { mediaType: string; schema: JsonSchema } => ({
	mediaType: "application/x-www-form-urlencoded",
	schema: {
		type: "object",
		description: "Twilio's webhook parameters (Twilio sends more; all are signed).",
		properties: Object.fromEntries(
			Object.entries(properties).map(([name, description]) => [name, { type: "string", description }]),
		),
		additionalProperties: { type: "string" },
	},
});

/** Every endpoint the Worker serves. The contract test checks this list against the app's routes both ways. */
export function operations(): OperationSpec[] {
	return [
		{
			method: "post",
			path: "/api/v1/workspaces",
			operationId: "createWorkspace",
			tag: "Workspaces",
			summary: "Create a workspace and its API key",
			description: "The API key is shown once; Tapline keeps only its hash.",
			auth: "adminToken",
			body: jsonBody("CreateWorkspace"),
			responses: { 201: { description: "Created.", content: json(ref("WorkspaceCreated")) } },
			errors: [400, 401, 413, 415, 422, 503],
		},
		{
			method: "get",
			path: "/api/v1/workspace",
			operationId: "getWorkspace",
			tag: "Workspaces",
			summary: "The workspace of the API key",
			auth: "apiKey",
			responses: { 200: { description: "The workspace.", content: json(ref("WorkspaceBody")) } },
			errors: [401, 404],
		},
		{
			method: "patch",
			path: "/api/v1/workspace",
			operationId: "updateWorkspace",
			tag: "Workspaces",
			summary: "Change the attribution window or the HELP answer",
			auth: "apiKey",
			body: jsonBody("UpdateWorkspace"),
			responses: { 200: { description: "The changed workspace.", content: json(ref("WorkspaceBody")) } },
			errors: [400, 401, 413, 415, 422],
		},
		{
			method: "post",
			path: "/api/v1/campaigns",
			operationId: "createCampaign",
			tag: "Campaigns",
			summary: "Create a campaign",
			auth: "apiKey",
			body: jsonBody("CreateCampaign"),
			responses: { 201: { description: "Created.", content: json(ref("CampaignBody")) } },
			errors: [400, 401, 413, 415, 422],
		},
		{
			method: "get",
			path: "/api/v1/campaigns",
			operationId: "listCampaigns",
			tag: "Campaigns",
			summary: "The workspace's campaigns, newest first",
			auth: "apiKey",
			parameters: queryParameters("campaigns"),
			responses: { 200: { description: "Campaigns.", content: json(ref("CampaignList")) } },
			errors: [400, 401],
		},
		{
			method: "get",
			path: "/api/v1/campaigns/{id}",
			operationId: "getCampaign",
			tag: "Campaigns",
			summary: "One campaign",
			auth: "apiKey",
			parameters: [campaignId],
			responses: { 200: { description: "The campaign.", content: json(ref("CampaignBody")) } },
			errors: [401, 404],
		},
		{
			method: "patch",
			path: "/api/v1/campaigns/{id}",
			operationId: "updateCampaign",
			tag: "Campaigns",
			summary: "Change a campaign; its links redirect to the new destination",
			auth: "apiKey",
			parameters: [campaignId],
			body: jsonBody("UpdateCampaign"),
			responses: { 200: { description: "The changed campaign.", content: json(ref("CampaignBody")) } },
			errors: [400, 401, 404, 413, 415, 422],
		},
		{
			method: "post",
			path: "/api/v1/campaigns/{id}/links",
			operationId: "mintLinks",
			tag: "Links",
			summary: `Mint one short link per recipient (up to ${MAX_RECIPIENTS_PER_REQUEST.toLocaleString("en")})`,
			description:
				"Idempotent per (campaign, phone). If any recipient is invalid the answer is 422 listing each problem, and nothing is minted.",
			auth: "apiKey",
			parameters: [campaignId],
			body: jsonBody("MintRequest"),
			responses: { 200: { description: "The links, in input order.", content: json(ref("MintedLinks")) } },
			errors: [400, 401, 404, 413, 415, 422],
		},
		{
			method: "get",
			path: "/api/v1/links/{code}",
			operationId: "getLink",
			tag: "Links",
			summary: "One link with its destination and clicks",
			auth: "apiKey",
			parameters: [pathParam("code", "The short code.")],
			responses: { 200: { description: "The link.", content: json(ref("Link")) } },
			errors: [401, 404],
		},
		{
			method: "delete",
			path: "/api/v1/links/{code}",
			operationId: "deleteLink",
			tag: "Links",
			summary: "Deactivate a link; its clicks stay counted",
			auth: "apiKey",
			parameters: [pathParam("code", "The short code.")],
			responses: { 204: { description: "Deactivated." } },
			errors: [401, 404],
		},
		{
			method: "get",
			path: "/api/v1/campaigns/{id}/stats",
			operationId: "getCampaignStats",
			tag: "Stats",
			summary: "Campaign stats: clicks, breakdowns, message and purchase funnels",
			auth: "apiKey",
			parameters: [campaignId],
			responses: { 200: { description: "The stats.", content: json(ref("CampaignStats")) } },
			errors: [401, 404],
		},
		{
			method: "get",
			path: "/api/v1/journey",
			operationId: "getJourney",
			tag: "Stats",
			summary: "Campaigns, clicks, purchases and contacts by journey stage",
			auth: "apiKey",
			responses: { 200: { description: "The journey.", content: json(ref("Journey")) } },
			errors: [401],
		},
		{
			method: "get",
			path: "/api/v1/campaigns/{id}/export/recipients",
			operationId: "exportRecipients",
			tag: "Exports",
			summary: "One row per recipient, streamed",
			auth: "apiKey",
			description: exportDescription,
			parameters: [campaignId, ...queryParameters("exports")],
			responses: {
				200: {
					description: "The export, or this response's part of it, as an attachment.",
					content: exportContent("RecipientExportRow"),
					headers: exportHeaders("recipients"),
				},
			},
			errors: [400, 401, 404],
		},
		{
			method: "get",
			path: "/api/v1/campaigns/{id}/export/clicks",
			operationId: "exportClicks",
			tag: "Exports",
			summary: "Every raw click of the campaign, streamed",
			auth: "apiKey",
			description: exportDescription,
			parameters: [campaignId, ...queryParameters("exports")],
			responses: {
				200: {
					description: "The export, or this response's part of it, as an attachment.",
					content: exportContent("ClickExportRow"),
					headers: exportHeaders("clicks"),
				},
			},
			errors: [400, 401, 404],
		},
		{
			method: "post",
			path: "/api/v1/campaigns/{id}/send",
			operationId: "sendCampaign",
			tag: "Messages",
			summary: `Send the campaign as SMS, one per recipient (up to ${MAX_SEND_RECIPIENTS.toLocaleString("en")})`,
			description:
				"Nobody is texted twice by one campaign; opted-out recipients are skipped. dryRun renders and counts without writing.",
			auth: "apiKey",
			parameters: [campaignId],
			body: jsonBody("SendRequest"),
			responses: {
				200: { description: "Dry run: the rendered texts.", content: json(ref("SendDryRun")) },
				202: { description: "Queued.", content: json(ref("SendQueued")) },
			},
			errors: [400, 401, 404, 413, 415, 422, 503],
		},
		{
			method: "get",
			path: "/api/v1/campaigns/{id}/follow-ups",
			operationId: "listFollowUps",
			tag: "Follow-ups",
			summary: "Who got the follow-up and when, and why the others did not",
			description:
				"One row per contact the follow-up cron looked at, newest first tap first; nextCursor pages. reason filters the status's reason (quiet_hours, capped, opted_out, purchased, window_passed).",
			auth: "apiKey",
			parameters: [campaignId, ...queryParameters("follow-ups")],
			responses: { 200: { description: "A page of follow-up decisions.", content: json(ref("FollowUpList")) } },
			errors: [400, 401, 404],
		},
		{
			method: "get",
			path: "/api/v1/messages",
			operationId: "listMessages",
			tag: "Messages",
			summary: "Messages with their lifecycle, newest first",
			auth: "apiKey",
			parameters: queryParameters("messages"),
			responses: { 200: { description: "A page of messages.", content: json(ref("MessageList")) } },
			errors: [400, 401],
		},
		{
			method: "post",
			path: "/api/v1/messages/events",
			operationId: "reportMessageEvents",
			tag: "Messages",
			summary: "Lifecycle events of messages another platform sent",
			description: "One event, or {events: [...]} with up to 1,000. One bad event is a 422 and nothing is recorded.",
			auth: "apiKey",
			body: jsonBody("LifecycleRequest"),
			responses: { 202: { description: "Queued.", content: json(ref("EventsAccepted")) } },
			errors: [400, 401, 413, 415, 422, 503],
		},
		...(["get", "delete"] as const).flatMap((method): OperationSpec[] => {
			const get = method === "get";
			const responses = get
				? { 200: { description: "The contact.", content: json(ref("Contact")) } }
				: { 200: { description: "Erased.", content: json(ref("ContactErased")) } };
			return [
				{
					method,
					path: "/api/v1/contacts",
					operationId: get ? "findContactByPhone" : "eraseContactByPhone",
					tag: "Contacts",
					summary: get ? "A contact by phone" : "Erase a contact by phone (right to erasure)",
					auth: "apiKey",
					parameters: [
						queryParam("phone", { type: "string" }, "The phone, e.g. +14155552671.", true),
						queryParam("defaultCountry", { type: "string" }, "Country for a number without +country code."),
					],
					responses,
					errors: [400, 401, 404, 422],
				},
				{
					method,
					path: "/api/v1/contacts/{id}",
					operationId: get ? "getContact" : "eraseContact",
					tag: "Contacts",
					summary: get ? "A contact: phone, stage, consent, messages" : "Erase a contact (right to erasure)",
					auth: "apiKey",
					parameters: [pathParam("id", "The contact's id (ct_…).")],
					responses,
					errors: [401, 404],
				},
			];
		}),
		{
			method: "post",
			path: "/api/v1/webhook-endpoints",
			operationId: "createWebhookEndpoint",
			tag: "Outbound webhooks",
			summary: "Add an endpoint that events are posted to",
			description: "The signing secret is shown once, here.",
			auth: "apiKey",
			body: jsonBody("CreateWebhookEndpoint"),
			responses: { 201: { description: "Created.", content: json(ref("WebhookEndpointCreated")) } },
			errors: [400, 401, 409, 413, 415, 422],
		},
		{
			method: "get",
			path: "/api/v1/webhook-endpoints",
			operationId: "listWebhookEndpoints",
			tag: "Outbound webhooks",
			summary: "The workspace's webhook endpoints",
			auth: "apiKey",
			responses: { 200: { description: "Endpoints.", content: json(ref("WebhookEndpointList")) } },
			errors: [401],
		},
		{
			method: "delete",
			path: "/api/v1/webhook-endpoints/{id}",
			operationId: "deleteWebhookEndpoint",
			tag: "Outbound webhooks",
			summary: "Remove a webhook endpoint",
			auth: "apiKey",
			parameters: [pathParam("id", "The endpoint's id (whe_…).")],
			responses: { 204: { description: "Removed." } },
			errors: [401, 404],
		},
		{
			method: "post",
			path: "/api/v1/conversions",
			operationId: "reportConversion",
			tag: "Purchases",
			summary: "Report a purchase, server to server",
			description: "Idempotent by (workspace, orderId).",
			auth: "apiKey",
			body: jsonBody("Conversion"),
			responses: { 202: { description: "Queued.", content: json(ref("ConversionAccepted")) } },
			errors: [400, 401, 413, 415, 422],
		},
		{
			method: "put",
			path: "/api/v1/integrations/shopify",
			operationId: "connectShopify",
			tag: "Purchases",
			summary: "Store the Shopify shop and its webhook signing secret",
			auth: "apiKey",
			body: jsonBody("ShopifyIntegrationRequest"),
			responses: { 200: { description: "The webhook URL to register.", content: json(ref("ShopifyIntegration")) } },
			errors: [400, 401, 409, 413, 415, 422],
		},
		{
			method: "post",
			path: "/api/v1/webhooks/shopify/{workspaceId}/orders",
			operationId: "receiveShopifyOrder",
			tag: "Webhooks",
			summary: "Shopify orders/create and orders/paid webhooks",
			description: "A signed delivery is always answered 200, also when the order is ignored.",
			auth: "shopifyHmac",
			parameters: [
				pathParam("workspaceId", "The workspace's id (ws_…)."),
				header("X-Shopify-Topic", "orders/create or orders/paid; others are ignored."),
				header("X-Shopify-Shop-Domain", "Must be the stored shop.", true),
				header("X-Shopify-Webhook-Id", "Deliveries are de-duplicated on it."),
			],
			body: {
				mediaType: "application/json",
				schema: {
					type: "object",
					description: "Shopify's Order resource; Tapline reads these fields.",
					properties: {
						id: { type: ["integer", "string"] },
						total_price: { type: "string" },
						currency: { type: "string" },
						created_at: { type: "string" },
						landing_site: { type: ["string", "null"], description: "Carries the tlid of the tap." },
						note_attributes: { type: "array", items: { type: "object" } },
						test: { type: "boolean" },
						cancelled_at: { type: ["string", "null"] },
					},
				},
			},
			responses: { 200: { description: "Accepted or ignored.", content: json(ref("ShopifyWebhookAnswer")) } },
			errors: [401, 413],
		},
		{
			method: "post",
			path: "/api/v1/webhooks/twilio/status",
			operationId: "receiveTwilioStatus",
			tag: "Webhooks",
			summary: "Twilio delivery receipts (StatusCallback)",
			auth: "twilioSignature",
			parameters: [queryParam("messageId", { type: "string" }, "Tapline's message id, set in the StatusCallback.")],
			body: twilioForm({
				MessageSid: "Twilio's message sid.",
				MessageStatus: "queued, sent, delivered, undelivered, failed, …",
				ErrorCode: "Twilio's error code, if any.",
			}),
			responses: { 204: { description: "Received." } },
			errors: [400, 403, 413, 415, 503],
		},
		{
			method: "post",
			path: "/api/v1/webhooks/twilio/inbound",
			operationId: "receiveTwilioInbound",
			tag: "Webhooks",
			summary: "Replies to the Twilio number: STOP, START, HELP",
			auth: "twilioSignature",
			body: twilioForm({ From: "The sender's phone.", Body: "The text.", MessageSid: "Twilio's message sid." }),
			responses: {
				200: {
					description: "TwiML: the reply to send, if any.",
					content: { "text/xml": { type: "string", description: "<Response><Message>…</Message></Response>" } },
				},
			},
			errors: [400, 403, 413, 415, 503],
		},
		{
			method: "get",
			path: "/api/v1/openapi.json",
			operationId: "getOpenApiDocument",
			tag: "Meta",
			summary: "This document (OpenAPI 3.1)",
			auth: "none",
			responses: { 200: { description: "The document.", content: json({ type: "object" }) } },
			errors: [],
		},
		{
			method: "get",
			path: "/docs",
			operationId: "getDocs",
			tag: "Meta",
			summary: "This document as a web page",
			auth: "none",
			responses: { 200: { description: "HTML.", content: html } },
			errors: [],
		},
		{
			method: "get",
			path: "/",
			operationId: "getHome",
			tag: "Meta",
			summary: "A line saying what this is",
			auth: "none",
			responses: { 200: { description: "Plain text.", content: { "text/plain": { type: "string" } } } },
			errors: [],
		},
		{
			method: "get",
			path: "/robots.txt",
			operationId: "getRobots",
			tag: "Meta",
			summary: "Disallows every crawler",
			auth: "none",
			responses: { 200: { description: "Plain text.", content: { "text/plain": { type: "string" } } } },
			errors: [],
		},
		{
			method: "get",
			path: "/t.js",
			operationId: "getSnippet",
			tag: "Site",
			summary: "The site snippet that keeps the tlid and fires the pixel",
			auth: "none",
			responses: {
				200: { description: "JavaScript.", content: { "text/javascript": { type: "string" } } },
			},
			errors: [],
		},
		{
			method: "get",
			path: "/p.gif",
			operationId: "firePixel",
			tag: "Site",
			summary: "The purchase pixel",
			description: "Always a 1×1 GIF, even for garbage; only well-formed hits within the rate limits are queued.",
			auth: "none",
			parameters: [
				queryParam("workspace", { type: "string" }, "The workspace's id (ws_…).", true),
				queryParam("orderId", { type: "string" }, "The order id.", true),
				queryParam("value", { type: "string" }, "The order value in major units, e.g. 49.90.", true),
				queryParam("currency", { type: "string" }, "ISO 4217 code.", true),
				queryParam("tlid", { type: "string" }, "The click id kept by the snippet."),
			],
			responses: { 200: { description: "A 1×1 GIF.", content: { "image/gif": { type: "string" } } } },
			errors: [],
		},
		{
			method: "get",
			path: "/{code}",
			operationId: "redirect",
			tag: "Redirect",
			summary: "The short link: a 302 to the destination with UTM parameters and a tlid",
			description:
				"Unknown and deleted codes get one small HTML 404 page; a browser prefetch or a database outage a 503.",
			auth: "none",
			parameters: [pathParam("code", "The short code.")],
			responses: {
				302: { description: "To the destination.", headers: { location: "The destination with tlid." } },
				404: { description: "Unknown or deleted code.", content: html },
				503: { description: "A declined prefetch, or the database is unreachable: try again." },
			},
			errors: [],
		},
	];
}
