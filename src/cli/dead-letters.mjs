// `tapline dead-letters` and `tapline deliveries`: what the queues gave up on (list, replay, delete), and an
// outbound webhook endpoint's last attempts (list, redeliver).
import { CliError } from "./api.mjs";
import { table } from "./stats.mjs";

/** @param {number | null | undefined} ms */
const time = (ms) => (ms === null || ms === undefined ? "–" : new Date(ms).toISOString().replace(".000Z", "Z"));

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ action: string | undefined, id: string | undefined, status: string, admin: boolean, workspace: string | undefined, json: boolean }} options
 * @returns {Promise<number>}
 */
export async function deadLetters(client, options) {
	const base = options.admin ? "/admin/dead-letters" : "/dead-letters";
	const id = () => {
		if (!options.id) throw new CliError(`Name the dead letter: tapline dead-letters ${options.action} <id>.`, 2);
		return encodeURIComponent(options.id);
	};
	switch (options.action ?? "list") {
		case "list": {
			if (!["pending", "replayed", "all"].includes(options.status)) {
				throw new CliError("--status must be pending, replayed or all.", 2);
			}
			/** @type {any[]} */
			const letters = [];
			let cursor = null;
			do {
				const query = new URLSearchParams({ status: options.status, limit: "100" });
				if (cursor) query.set("cursor", cursor);
				if (options.admin && options.workspace) query.set("workspaceId", options.workspace);
				const page = await client.json("GET", `${base}?${query}`);
				letters.push(...page.deadLetters);
				cursor = page.nextCursor;
			} while (cursor);
			if (options.json) {
				process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
			} else if (letters.length === 0) {
				process.stdout.write(`No ${options.status === "all" ? "" : `${options.status} `}dead letters.\n`);
			} else {
				const rows = letters.map((l) => [
					l.id,
					l.queue,
					l.workspaceId ?? "–",
					time(l.receivedAt),
					time(l.replayedAt),
					String(l.reason).slice(0, 60),
				]);
				process.stdout.write(`${table(["id", "queue", "workspace", "received", "replayed", "reason"], rows)}\n`);
			}
			return 0;
		}
		case "replay": {
			const result = await client.json("POST", `${base}/${id()}/replay`);
			process.stdout.write(
				result.replayed
					? `Replayed ${result.deadLetter.id} to ${result.deadLetter.queue}.\n`
					: `${result.deadLetter.id} was replayed before (${time(result.deadLetter.replayedAt)}); nothing sent.\n`,
			);
			return 0;
		}
		case "delete":
			await client.request("DELETE", `${base}/${id()}`);
			process.stdout.write(`Deleted ${options.id}.\n`);
			return 0;
		default:
			throw new CliError(`Unknown action "${options.action}": list, replay or delete.`, 2);
	}
}

/**
 * @param {import("./api.mjs").Client} client
 * @param {{ endpoint: string, redeliver: string | undefined, json: boolean }} options
 * @returns {Promise<number>}
 */
export async function deliveries(client, options) {
	const base = `/webhook-endpoints/${encodeURIComponent(options.endpoint)}/deliveries`;
	if (options.redeliver) {
		const queued = await client.json("POST", `${base}/${encodeURIComponent(options.redeliver)}/redeliver`);
		process.stdout.write(`Queued ${queued.eventId} for ${queued.endpointId} again.\n`);
		return 0;
	}
	const { deliveries: attempts } = await client.json("GET", `${base}?limit=100`);
	if (options.json) {
		process.stdout.write(`${JSON.stringify(attempts, null, 2)}\n`);
		return 0;
	}
	const rows = attempts.map((/** @type {any} */ d) => [
		d.id,
		time(d.attemptedAt),
		d.eventId,
		String(d.attempt),
		d.status === null ? "–" : String(d.status),
		`${d.durationMs} ms`,
		d.error ?? "",
	]);
	process.stdout.write(
		attempts.length === 0
			? "No delivery attempts yet.\n"
			: `${table(["id", "attempted", "event", "attempt", "status", "took", "error"], rows)}\n`,
	);
	return 0;
}
