import { ListQuery as CampaignListQuery, CreateCampaign, UpdateCampaign } from "../campaigns/routes";
import { RecipientInput } from "../contacts/recipients";
import { ATTRIBUTION_WINDOWS } from "../db/schema";
import { ExportQuery } from "../exports/routes";
import { FollowUpListQuery } from "../follow-ups/routes";
import { MintRequest } from "../links/routes";
import { LifecycleEvent, LifecycleRequest, ListQuery as MessageListQuery } from "../messages/routes";
import { SendRequest } from "../messages/send-routes";
import { Conversion } from "../purchases/conversions-routes";
import { ShopifyIntegration } from "../purchases/shopify-routes";
import { CreateEndpoint } from "../webhooks/routes";
import { CreateWorkspace, UpdateWorkspace } from "../workspaces/routes";
import { at, inputSchema, type JsonSchema, ref } from "./schema-json";

// Request bodies, converted from the very zod schemas the routes validate with. Where a route checks part of a body
// by hand (recipients and lifecycle events are validated one by one, to report every problem at once) or with a
// `.refine` that JSON Schema cannot see, the generated schema is completed here with the real item schema or the
// rule the refinement enforces; nothing else is written by hand.

function recipientList(schema: JsonSchema): JsonSchema {
	at(schema, "properties", "recipients").items = ref("Recipient");
	return schema;
}

function mintRequest(): JsonSchema {
	const schema = recipientList(inputSchema(MintRequest));
	at(schema, "properties", "defaultCountry").description =
		'Country for numbers written without +country code, e.g. "US".';
	return schema;
}

function sendRequest(): JsonSchema {
	const schema = recipientList(inputSchema(SendRequest));
	at(schema, "properties", "message").description =
		"Template: {link} (required), {firstName}, {lastName}, {externalId}, {phone}, {fields.<name>}, {firstName|fallback}.";
	at(schema, "properties", "dryRun").description = "Render and count segments; write and send nothing.";
	return schema;
}

function lifecycleEvent(): JsonSchema {
	const schema = inputSchema(LifecycleEvent);
	schema.description = "Name the message by messageId, or by phone and campaignId.";
	at(schema, "properties", "status").description = "Twilio's MessageStatus: queued, sent, delivered, failed, …";
	at(schema, "properties", "at").description = "When it happened: ISO 8601 or epoch milliseconds; default now.";
	return schema;
}

/** One event, or `{events: [...]}`: the union's catch-all branch is, once checked by hand, one event. */
function lifecycleRequest(): JsonSchema {
	const schema = inputSchema(LifecycleRequest);
	const branches = at(schema, "anyOf") as unknown as JsonSchema[];
	const batch = branches.find((b) => (b.properties as JsonSchema | undefined)?.events);
	if (!batch || branches.length !== 2) throw new Error("OpenAPI document: LifecycleRequest changed shape");
	at(batch, "properties", "events").items = ref("LifecycleEvent");
	return { anyOf: [ref("LifecycleEvent"), batch] };
}

function updateWorkspace(): JsonSchema {
	const schema = inputSchema(UpdateWorkspace);
	Object.assign(at(schema, "properties", "attributionWindowDays"), {
		enum: [...ATTRIBUTION_WINDOWS],
		description: "Default attribution window in days.",
	});
	at(schema, "properties", "helpText").description =
		"The answer to an inbound HELP; null restores the default naming the workspace.";
	return schema;
}

function createCampaign(): JsonSchema {
	const schema = inputSchema(CreateCampaign);
	Object.assign(at(schema, "properties", "destinationUrl"), {
		format: "uri",
		maxLength: 2048,
		description: "Absolute http(s) URL without credentials.",
	});
	return schema;
}

function updateCampaign(): JsonSchema {
	const schema = inputSchema(UpdateCampaign);
	Object.assign(at(schema, "properties", "destinationUrl"), { format: "uri", maxLength: 2048 });
	schema.minProperties = 1;
	return schema;
}

function conversion(): JsonSchema {
	const schema = inputSchema(Conversion);
	at(schema, "properties", "currency").description = "ISO 4217 code, any case.";
	at(schema, "properties", "at").description = "When the order was placed: ISO 8601 or epoch milliseconds.";
	schema.anyOf = ["tlid", "contactId", "phone", "externalId"].map((field) => ({ required: [field] }));
	schema.description = "At least one of tlid, contactId, phone or externalId, so the purchase can be attributed.";
	return schema;
}

function createEndpoint(): JsonSchema {
	const schema = inputSchema(CreateEndpoint);
	Object.assign(at(schema, "properties", "url"), {
		format: "uri",
		description: "An https URL without credentials (http only for localhost).",
	});
	at(schema, "properties", "events").description = "The event types to post; default: every one.";
	return schema;
}

export function requestSchemas(): Record<string, JsonSchema> {
	return {
		CreateWorkspace: inputSchema(CreateWorkspace),
		UpdateWorkspace: updateWorkspace(),
		CreateCampaign: createCampaign(),
		UpdateCampaign: updateCampaign(),
		Recipient: inputSchema(RecipientInput),
		MintRequest: mintRequest(),
		SendRequest: sendRequest(),
		LifecycleEvent: lifecycleEvent(),
		LifecycleRequest: lifecycleRequest(),
		Conversion: conversion(),
		ShopifyIntegrationRequest: inputSchema(ShopifyIntegration),
		CreateWebhookEndpoint: createEndpoint(),
	};
}

/** Query objects the routes validate with zod, as OpenAPI query parameters. */
const QUERIES = {
	campaigns: CampaignListQuery,
	messages: MessageListQuery,
	"follow-ups": FollowUpListQuery,
	exports: ExportQuery,
};

export function queryParameters(name: keyof typeof QUERIES): JsonSchema[] {
	const schema = inputSchema(QUERIES[name]);
	const required = new Set((schema.required as string[] | undefined) ?? []);
	return Object.entries(at(schema, "properties")).map(([param, property]) => ({
		name: param,
		in: "query",
		required: required.has(param),
		// Where documentation tools look for it; zod's .describe() leaves it in the schema.
		...(typeof (property as JsonSchema).description === "string"
			? { description: (property as JsonSchema).description }
			: {}),
		schema: property,
	}));
}
