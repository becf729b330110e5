import { z } from "zod";
import { newId } from "../db/ids";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis } from "../http/schemas";
import { SCOPE_DESCRIPTIONS, SCOPES, type Scope } from "../http/scopes";
import { generateApiKey } from "./api-keys";
import { countLiveKeys, findKey, insertApiKey, listLiveKeys, MAX_LIVE_KEYS, revokeKey } from "./key-queries";

const ScopeName = z.enum(SCOPES).meta({
	description: Object.entries(SCOPE_DESCRIPTIONS)
		.map(([scope, what]) => `${scope}: ${what}`)
		.join(" "),
});

export const CreateApiKey = z
	.strictObject({
		name: z.string().trim().min(1).max(100).describe("Unique among the workspace's live keys."),
		scopes: z.array(ScopeName).min(1).max(SCOPES.length),
	})
	.meta({ id: "CreateApiKey" });

const ApiKey = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		scopes: z.array(ScopeName),
		start: z.string().describe("The key's first characters, to tell keys apart."),
		createdAt: millis,
		lastUsedAt: millis.nullable().describe("Exact to the minute; null: never used."),
	})
	.meta({ id: "ApiKey" });

const ApiKeyCreated = ApiKey.extend({
	apiKey: z.string().describe("The key itself, shown this once: only its hash is stored."),
}).meta({ id: "ApiKeyCreated" });

const ApiKeyList = z.strictObject({ apiKeys: z.array(ApiKey) }).meta({ id: "ApiKeyList" });
const KeyId = z.strictObject({ id: z.string().max(64) });

/** Routes under /api/v1/api-keys: a full key manages the workspace's keys. */
export const apiKeyRoutes = apiRouter();

const create = declareRoute({
	method: "post",
	path: "/",
	operationId: "createApiKey",
	tag: "Workspaces",
	summary: "Create an API key with some scopes",
	description: "The key is answered once, as apiKey; Tapline keeps only its hash. A full key only.",
	scope: "full",
	bodyLimit: 4 * 1024,
	request: { body: { required: true, ...json(CreateApiKey) } },
	responses: { 201: { description: "Created.", ...json(ApiKeyCreated) } },
	errors: [400, 401, 409, 413, 415, 422],
});
apiKeyRoutes.openapi(create, async (c) => {
	const { name } = c.req.valid("json");
	// "full" is everything: stored alone, so the list says plainly what a key can do.
	const asked = [...new Set(c.req.valid("json").scopes)];
	const scopes: Scope[] = asked.includes("full") ? ["full"] : SCOPES.filter((s) => asked.includes(s));
	const workspaceId = c.get("workspaceId");
	if ((await countLiveKeys(c.env.DB, workspaceId)) >= MAX_LIVE_KEYS) {
		throw new ApiError("conflict", `A workspace holds at most ${MAX_LIVE_KEYS} live keys; revoke one first.`);
	}
	const key = await generateApiKey();
	const now = Date.now();
	const id = await insertApiKey(c.env.DB, {
		id: newId("key"),
		workspaceId,
		hash: key.hash,
		start: key.start,
		name,
		scopes,
		now,
	});
	// A repeated request finds the name taken: it cannot mint a second key.
	if (!id) throw new ApiError("conflict", `A live key is already named "${name}"; pick another name or revoke it.`);
	return reply(c, create, 201, {
		id,
		name,
		scopes,
		start: key.start,
		createdAt: now,
		lastUsedAt: null,
		apiKey: key.key,
	});
});

const list = declareRoute({
	method: "get",
	path: "/",
	operationId: "listApiKeys",
	tag: "Workspaces",
	summary: "The workspace's live API keys (never the keys themselves)",
	description: "A full key only: the list says which narrower keys exist.",
	scope: "full",
	responses: { 200: { description: "Oldest first.", ...json(ApiKeyList) } },
	errors: [401],
});
apiKeyRoutes.openapi(list, async (c) => {
	return reply(c, list, 200, { apiKeys: await listLiveKeys(c.env.DB, c.get("workspaceId")) });
});

const revoke = declareRoute({
	method: "delete",
	path: "/{id}",
	operationId: "revokeApiKey",
	tag: "Workspaces",
	summary: "Revoke an API key",
	description:
		"From the next request the key is 401 and its dashboard sessions are ended. Revoking a revoked key answers 204 again. The workspace's last full key cannot be revoked (409).",
	scope: "full",
	request: { params: KeyId },
	responses: { 204: { description: "Revoked." } },
	errors: [401, 404, 409],
});
apiKeyRoutes.openapi(revoke, async (c) => {
	const { id } = c.req.valid("param");
	const workspaceId = c.get("workspaceId");
	const key = await findKey(c.env.DB, workspaceId, id);
	if (!key) throw new ApiError("not_found", "No such API key in this workspace.");
	if (key.revokedAt === null && !(await revokeKey(c.env.DB, workspaceId, id, Date.now()))) {
		throw new ApiError(
			"conflict",
			"This is the workspace's last full key; create another full key before revoking it.",
		);
	}
	return c.body(null, 204);
});
