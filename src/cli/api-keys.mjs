// `tapline api-keys`: list, create and revoke the workspace's API keys (a full key is needed for all three).
import { CliError } from "./api.mjs";

export const SCOPES = ["full", "read", "conversions:write", "links:write", "messages:send"];

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ action: string | undefined, args: string[], name?: string, scopes?: string, json: boolean }} options
 * @returns {Promise<number>}
 */
export async function apiKeys(client, options) {
	const { action, args, json } = options;
	if (action === "list" || action === undefined) {
		if (args.length > 0) throw new CliError(`Unexpected arguments: ${args.join(" ")}`, 2);
		const { apiKeys: keys } = await client.json("GET", "/api-keys");
		if (json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
		else process.stdout.write(`${renderKeys(keys)}\n`);
		return 0;
	}
	if (action === "create") {
		if (args.length > 0) throw new CliError(`Unexpected arguments: ${args.join(" ")}`, 2);
		if (!options.name) throw new CliError('--name is required. Run "tapline api-keys --help".', 2);
		const scopes = (options.scopes ?? "")
			.split(",")
			.map((s) => s.trim())
			.filter(Boolean);
		if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s))) {
			throw new CliError(`--scopes takes a comma-separated list of: ${SCOPES.join(", ")}.`, 2);
		}
		// Not retried: a lost answer to a create that went through would find the name taken, and the key unseen.
		client.retries = 0;
		const created = await client.json("POST", "/api-keys", { name: options.name, scopes });
		if (json) process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
		else {
			process.stderr.write(
				`Created ${created.id} "${created.name}" (${created.scopes.join(", ")}). The key, shown once:\n`,
			);
			process.stdout.write(`${created.apiKey}\n`);
		}
		return 0;
	}
	if (action === "revoke") {
		const [id, ...extra] = args;
		if (!id || extra.length > 0) throw new CliError("Name one key: tapline api-keys revoke <keyId>.", 2);
		await client.request("DELETE", `/api-keys/${encodeURIComponent(id)}`);
		process.stderr.write(`Revoked ${id}: it is refused from now on, and its dashboard sessions are ended.\n`);
		return 0;
	}
	throw new CliError(`Unknown action "${action}": use list, create or revoke.`, 2);
}

/** @param {{ id: string, name: string, scopes: string[], start: string, createdAt: number, lastUsedAt: number | null }[]} keys */
function renderKeys(keys) {
	const header = ["id", "name", "scopes", "starts", "created", "last used"];
	const day = (/** @type {number | null} */ t) =>
		t === null ? "never" : new Date(t).toISOString().slice(0, 16).replace("T", " ");
	/** @type {string[][]} */
	const rows = [header];
	for (const k of keys)
		rows.push([k.id, k.name, k.scopes.join(","), `${k.start}…`, day(k.createdAt), day(k.lastUsedAt)]);
	const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
	return rows
		.map((r) =>
			r
				.map((cell, i) => cell.padEnd(widths[i] ?? 0))
				.join("  ")
				.trimEnd(),
		)
		.join("\n");
}
