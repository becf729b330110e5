import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/app-env";
import { requireAdmin } from "../http/auth";
import { limitBody } from "../http/body-limit";
import { readJson } from "../http/json-body";
import { generateApiKey } from "./api-keys";
import { createWorkspace } from "./queries";

const CreateWorkspace = z.strictObject({
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
