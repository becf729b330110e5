import { Hono } from "hono";
import { z } from "zod";
import { ATTRIBUTION_WINDOWS } from "../db/schema";
import type { AppEnv } from "../http/app-env";
import { limitBody } from "../http/body-limit";
import { ApiError } from "../http/errors";
import { readJson } from "../http/json-body";
import { generateApiKey } from "./api-keys";
import { requireAdmin } from "./auth";
import { createWorkspace, findWorkspace, updateWorkspace } from "./queries";

export const CreateWorkspace = z.strictObject({
	name: z.string().trim().min(1).max(100),
});

export const workspaceRoutes = new Hono<AppEnv>();

workspaceRoutes.post("/", requireAdmin(), limitBody(16 * 1024), async (c) => {
	const { name } = await readJson(c, CreateWorkspace);
	const key = await generateApiKey();
	const workspace = await createWorkspace(c.env.DB, name, key, Date.now());
	// The key is shown once: only its hash is stored.
	return c.json({ workspace, apiKey: key.key }, 201);
});

export const UpdateWorkspace = z.strictObject({
	attributionWindowDays: z
		.number()
		.refine((n) => (ATTRIBUTION_WINDOWS as readonly number[]).includes(n), {
			message: `must be one of ${ATTRIBUTION_WINDOWS.join(", ")}`,
		})
		.optional(),
	// Sent back to a contact who texts HELP or INFO; null restores the default. One SMS segment or two at most.
	helpText: z.string().trim().min(1).max(306).nullable().optional(),
	// Follow-ups skip a contact who had any Tapline SMS in this many hours; 0 turns the cap off. At most a week.
	frequencyCapHours: z.number().int().min(0).max(168).optional(),
});

/** Routes under /api/v1/workspace: the workspace of the caller's API key. */
export const currentWorkspaceRoutes = new Hono<AppEnv>();

currentWorkspaceRoutes.get("/", async (c) => {
	const workspace = await findWorkspace(c.env.DB, c.get("workspaceId"));
	if (!workspace) throw new ApiError("not_found", "The workspace of this key no longer exists.");
	return c.json({ workspace });
});

currentWorkspaceRoutes.patch("/", limitBody(4 * 1024), async (c) => {
	const changes = await readJson(c, UpdateWorkspace);
	await updateWorkspace(c.env.DB, c.get("workspaceId"), changes);
	const workspace = await findWorkspace(c.env.DB, c.get("workspaceId"));
	return c.json({ workspace });
});
