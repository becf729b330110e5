import { defineConfig } from "drizzle-kit";

// Generates flat SQL files into migrations/, which `wrangler d1 migrations apply` runs in order.
export default defineConfig({
	dialect: "sqlite",
	schema: "./src/db/schema.ts",
	out: "./migrations",
});
