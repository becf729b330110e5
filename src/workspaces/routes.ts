import { isSupportedCountry } from "libphonenumber-js/max";
import { z } from "zod";
import { ATTRIBUTION_WINDOWS, COUNTED_PURCHASES } from "../db/schema";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json } from "../http/schemas";
import { generateApiKey } from "./api-keys";
import { createWorkspace, findWorkspace, updateWorkspace } from "./queries";
import { Workspace } from "./workspace";

export const CreateWorkspace = z
	.strictObject({ name: z.string().trim().min(1).max(100) })
	.meta({ id: "CreateWorkspace" });

export const UpdateWorkspace = z
	.strictObject({
		attributionWindowDays: z
			.number()
			.refine((n) => (ATTRIBUTION_WINDOWS as readonly number[]).includes(n), {
				message: `must be one of ${ATTRIBUTION_WINDOWS.join(", ")}`,
			})
			.optional()
			.meta({ enum: [...ATTRIBUTION_WINDOWS], description: "Default attribution window in days." }),
		// Sent back to a contact who texts HELP or INFO; null restores the default. One SMS segment or two at most.
		helpText: z
			.string()
			.trim()
			.min(1)
			.max(306)
			.nullable()
			.optional()
			.describe("The answer to an inbound HELP; null restores the default naming the workspace."),
		// Follow-ups skip a contact who had any Tapline SMS in this many hours; 0 turns the cap off. At most a week.
		frequencyCapHours: z.number().int().min(0).max(168).optional(),
		// Which purchases suppress follow-ups and move journey stages (stages already reached are kept).
		countedPurchases: z.enum(COUNTED_PURCHASES).optional(),
		// Send limits: what a leaked key or an SMS-pumping run can cost at most in a day.
		dailySendCap: z
			.number()
			.int()
			.min(0)
			.max(1_000_000)
			.optional()
			.describe("At most this many SMS go to the provider per UTC day; 0 stops sending."),
		allowedCountries: z
			.array(
				z
					.string()
					.trim()
					.toUpperCase()
					.refine((code) => /^[A-Z]{2}$/.test(code) && isSupportedCountry(code), {
						message: "must be an ISO 3166 alpha-2 country code such as US",
					}),
			)
			.min(1)
			.max(250)
			.transform((codes) => [...new Set(codes)].sort())
			.nullable()
			.optional()
			.describe('ISO 3166 alpha-2 countries whose numbers may be texted, e.g. ["US","CA"]; null allows any.'),
	})
	.meta({ id: "UpdateWorkspace" });

const WorkspaceCreated = z
	.strictObject({ workspace: Workspace, apiKey: z.string().describe("Shown once: only its hash is stored.") })
	.meta({ id: "WorkspaceCreated" });

const WorkspaceBody = z.strictObject({ workspace: Workspace }).meta({ id: "WorkspaceBody" });

/** POST /api/v1/workspaces: the deployment's admin creates workspaces. */
export const workspaceRoutes = apiRouter();

const create = declareRoute({
	method: "post",
	path: "/",
	operationId: "createWorkspace",
	tag: "Workspaces",
	summary: "Create a workspace and its API key",
	description: "The API key is shown once; Tapline keeps only its hash.",
	auth: "adminToken",
	bodyLimit: 16 * 1024,
	request: { body: { required: true, ...json(CreateWorkspace) } },
	responses: { 201: { description: "Created.", ...json(WorkspaceCreated) } },
	errors: [400, 401, 413, 415, 422, 503],
});
workspaceRoutes.openapi(create, async (c) => {
	const { name } = c.req.valid("json");
	const key = await generateApiKey();
	const workspace = await createWorkspace(c.env.DB, name, key, Date.now());
	// The key is shown once: only its hash is stored.
	return reply(c, create, 201, { workspace, apiKey: key.key });
});

/** Routes under /api/v1/workspace: the workspace of the caller's API key. */
export const currentWorkspaceRoutes = apiRouter();

const get = declareRoute({
	method: "get",
	path: "/",
	operationId: "getWorkspace",
	tag: "Workspaces",
	summary: "The workspace of the API key",
	responses: { 200: { description: "The workspace.", ...json(WorkspaceBody) } },
	errors: [401, 404],
});
currentWorkspaceRoutes.openapi(get, async (c) => {
	const workspace = await findWorkspace(c.env.DB, c.get("workspaceId"));
	if (!workspace) throw new ApiError("not_found", "The workspace of this key no longer exists.");
	return reply(c, get, 200, { workspace });
});

const update = declareRoute({
	method: "patch",
	path: "/",
	operationId: "updateWorkspace",
	tag: "Workspaces",
	summary: "Change the attribution window, the HELP answer, the frequency cap or the send limits",
	bodyLimit: 4 * 1024,
	request: { body: { required: true, ...json(UpdateWorkspace) } },
	responses: { 200: { description: "The changed workspace.", ...json(WorkspaceBody) } },
	errors: [400, 401, 413, 415, 422],
});
currentWorkspaceRoutes.openapi(update, async (c) => {
	const changes = c.req.valid("json");
	await updateWorkspace(c.env.DB, c.get("workspaceId"), changes);
	const workspace = await findWorkspace(c.env.DB, c.get("workspaceId"));
	if (!workspace) throw new ApiError("not_found", "The workspace of this key no longer exists.");
	return reply(c, update, 200, { workspace });
});
