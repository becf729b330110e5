#!/usr/bin/env node
// Tapline's command line: mint links for a contact list, send a campaign, read its stats, export its data.
// Plain Node ESM (Node 20 or newer), no build step and no dependencies; JSDoc types checked by tsconfig.node.json.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CliError, Client } from "./api.mjs";
import { apiKeys } from "./api-keys.mjs";
import { deadLetters, deliveries } from "./dead-letters.mjs";
import { exportCampaign } from "./export.mjs";
import { mint } from "./mint.mjs";
import { send } from "./send.mjs";
import { renderStats } from "./stats.mjs";

const GLOBAL_HELP = `Global options:
  --url <url>     Tapline's address (default: $TAPLINE_URL, else http://localhost:8787)
  --key <key>     the workspace's API key (default: $TAPLINE_API_KEY)
  -h, --help      this help`;

const HELP = {
	main: `Usage: tapline <command> [options]

Commands:
  mint     mint a short link per row of a contact list (CSV), resumable
  send     send a campaign's SMS to a contact list (CSV), or --dry-run it
  stats    a campaign's numbers as a table
  export   a campaign's recipients or raw clicks, as CSV or NDJSON
  dead-letters  messages the queues gave up on: list, replay, delete
  deliveries    an outbound webhook endpoint's last delivery attempts, or redeliver one
  api-keys list, create or revoke the workspace's API keys (needs a full key)

Run "tapline <command> --help" for a command's options.

${GLOBAL_HELP}
  --version       the version`,
	mint: `Usage: tapline mint --campaign <id> --csv <file> [--out links.csv] [options]

Mints one short link per row of the CSV (idempotent: a phone already minted in the campaign gets its link back,
"created" false). The CSV needs a header row with a phone column; optional columns: externalId, variant, timezone
(others are ignored). Rows the API refuses are reported by line number and skipped; the rest are minted.

Options:
  --campaign <id>           the campaign (required)
  --csv <file>              the contact list (required)
  --out <file>              where to write the links (line, phone, code, shortUrl, variant, created); default stdout.
                            With --out the run is resumable: <out>.progress records each finished chunk, and running
                            the same command again carries on after it. Refused rows go to <out>.rejected.csv.
  --restart                 ignore <out>.progress and start from the first row
  --default-country <CC>    country of numbers written without +country code, e.g. US
  --chunk <n>               recipients per API call, 1 to 10000 (default 5000)

Exit codes: 0 done, 3 done but some rows were refused, 1 error, 2 usage error.

${GLOBAL_HELP}`,
	send: `Usage: tapline send --campaign <id> --csv <file> --message <template> [--dry-run] [options]

Sends the campaign's SMS, one per row of the CSV, each with the recipient's link. Safe to repeat: nobody is texted
twice by one campaign. Columns: phone (required), externalId, variant, timezone, firstName, lastName; any other column
is a template field, {fields.<column>}.

Options:
  --campaign <id>           the campaign (required)
  --csv <file>              the contact list (required)
  --message <template>      e.g. "Hi {firstName|there}, 20% off: {link} Reply STOP to opt out" (required)
  --dry-run                 render and count segments, send nothing
  --default-country <CC>    country of numbers written without +country code, e.g. US
  --chunk <n>               recipients per API call, 1 to 10000 (default 5000)

${GLOBAL_HELP}`,
	stats: `Usage: tapline stats <campaignId> [--json]

Prints the campaign's links, taps, unique people, click-through rate, messages, delivery rate, purchases and
revenue, overall and per A/B variant.

Options:
  --json                    print the API's JSON instead of a table

${GLOBAL_HELP}`,
	"api-keys": `Usage: tapline api-keys [list] [--json]
       tapline api-keys create --name <name> --scopes <scope,...> [--json]
       tapline api-keys revoke <keyId>

Manages the workspace's API keys; the key given with --key (or $TAPLINE_API_KEY) must have the full scope.
list prints each live key's id, name, scopes, first characters, creation and last use (never the key). create
prints the new key on stdout, once: only its hash is stored. revoke refuses the key from the next request on and
ends its dashboard sessions.

Scopes: full (everything), read (every GET, and the dashboard), conversions:write (report purchases: a shop's
server), links:write (mint links), messages:send (send campaigns).

Options:
  --name <name>             the new key's name, unique among the live keys
  --scopes <list>           comma-separated, e.g. conversions:write or read,links:write
  --json                    print the API's JSON

${GLOBAL_HELP}`,
	export: `Usage: tapline export <campaignId> [--type recipients|clicks] [--format csv|ndjson] [--out <file>]
                       [--page-rows <n>]

Streams an export of any size. recipients: one row per recipient (link, phone, variant, message status and times,
first tap, human taps, purchase and revenue). clicks: every raw tap (time, link, variant, human or bot and why,
device, OS, browser, country).

Options:
  --type <type>             recipients (default) or clicks
  --format <format>         csv (default) or ndjson
  --out <file>              write to this file (default stdout); written to <file>.partial and renamed when complete
  --page-rows <n>           rows per API response, 1 to 1000000 (default the API's, 1000000); the CLI asks for
                            the next until the end. 200000 or fewer on Workers Free (50 D1 queries per request)

${GLOBAL_HELP}`,
	"dead-letters": `Usage: tapline dead-letters [list|replay <id>|delete <id>] [--status pending|replayed|all] [--admin]
                       [--workspace <id|none>] [--json]

Lists the messages the queues gave up on (poison, or retried until max_retries), newest first; replays one to the
queue it came from (once: a dead letter already replayed is not sent again), or deletes one. With the workspace's
API key: its own. With --admin and the admin token as --key: every workspace's, and those that name none.

Options:
  --status <status>         pending (default), replayed or all
  --admin                   use the admin routes (pass the admin token as --key)
  --workspace <id|none>     with --admin: only this workspace's, or "none" for those naming no workspace
  --json                    print the API's JSON instead of a table

${GLOBAL_HELP}`,
	deliveries: `Usage: tapline deliveries <endpointId> [--redeliver <deliveryId>] [--json]

Prints an outbound webhook endpoint's last attempts (time, event, attempt, HTTP status, duration, error), newest
first; the last 100 are kept. --redeliver queues an attempt's event again, with the same webhook-id.

Options:
  --redeliver <deliveryId>  queue that attempt's event again
  --json                    print the API's JSON instead of a table

${GLOBAL_HELP}`,
};

const GLOBAL_OPTIONS = /** @type {const} */ ({
	url: { type: "string" },
	key: { type: "string" },
	help: { type: "boolean", short: "h" },
});

/** @type {Record<string, import("node:util").ParseArgsConfig["options"]>} */
const COMMAND_OPTIONS = {
	mint: {
		campaign: { type: "string" },
		csv: { type: "string" },
		out: { type: "string" },
		restart: { type: "boolean" },
		"default-country": { type: "string" },
		chunk: { type: "string" },
	},
	send: {
		campaign: { type: "string" },
		csv: { type: "string" },
		message: { type: "string" },
		"dry-run": { type: "boolean" },
		"default-country": { type: "string" },
		chunk: { type: "string" },
	},
	stats: { json: { type: "boolean" } },
	"dead-letters": {
		status: { type: "string" },
		admin: { type: "boolean" },
		workspace: { type: "string" },
		json: { type: "boolean" },
	},
	deliveries: { redeliver: { type: "string" }, json: { type: "boolean" } },
	"api-keys": { name: { type: "string" }, scopes: { type: "string" }, json: { type: "boolean" } },
	export: {
		type: { type: "string" },
		format: { type: "string" },
		out: { type: "string" },
		"page-rows": { type: "string" },
	},
};

/**
 * @param {string[]} argv
 * @returns {Promise<number>} the exit code
 */
export async function main(argv) {
	const [command, ...rest] = argv;
	if (command === undefined || command === "-h" || command === "--help" || command === "help") {
		const topic = command === "help" && rest[0] && rest[0] in HELP ? rest[0] : "main";
		process.stdout.write(`${HELP[/** @type {keyof typeof HELP} */ (topic)]}\n`);
		return 0;
	}
	if (command === "--version" || command === "-v") {
		const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
		process.stdout.write(`tapline ${pkg.version}\n`);
		return 0;
	}
	const commandOptions = COMMAND_OPTIONS[command];
	if (!commandOptions) throw new CliError(`Unknown command "${command}". Run "tapline --help" for the list.`, 2);
	let parsed;
	try {
		parsed = parseArgs({
			args: rest,
			options: { ...GLOBAL_OPTIONS, ...commandOptions },
			allowPositionals: true,
			strict: true,
		});
	} catch (err) {
		throw new CliError(`${err instanceof Error ? err.message : err}\nRun "tapline ${command} --help".`, 2);
	}
	const values = /** @type {Record<string, string | boolean | undefined>} */ (parsed.values);
	if (values.help) {
		process.stdout.write(`${HELP[/** @type {keyof typeof HELP} */ (command)]}\n`);
		return 0;
	}
	const client = connect(values);
	const str = (/** @type {string} */ name) => {
		const value = values[name];
		return typeof value === "string" ? value : undefined;
	};
	const required = (/** @type {string} */ name) => {
		const value = str(name);
		if (!value) throw new CliError(`--${name} is required. Run "tapline ${command} --help".`, 2);
		return value;
	};
	const positional = (/** @type {string} */ what) => {
		const [value, ...extra] = parsed.positionals;
		if (!value)
			throw new CliError(`Name the ${what}: tapline ${command} <${what}>. Run "tapline ${command} --help".`, 2);
		if (extra.length > 0) throw new CliError(`Unexpected arguments: ${extra.join(" ")}`, 2);
		return value;
	};
	const noPositionals = () => {
		if (parsed.positionals.length > 0) throw new CliError(`Unexpected arguments: ${parsed.positionals.join(" ")}`, 2);
	};
	switch (command) {
		case "mint":
			noPositionals();
			return mint(client, {
				campaign: required("campaign"),
				csv: required("csv"),
				out: str("out"),
				defaultCountry: str("default-country"),
				chunk: chunkSize(str("chunk")),
				restart: values.restart === true,
			});
		case "send":
			noPositionals();
			return send(client, {
				campaign: required("campaign"),
				csv: required("csv"),
				message: required("message"),
				dryRun: values["dry-run"] === true,
				defaultCountry: str("default-country"),
				chunk: chunkSize(str("chunk")),
			});
		case "stats": {
			const campaign = positional("campaignId");
			const stats = await client.json("GET", `/campaigns/${encodeURIComponent(campaign)}/stats`);
			process.stdout.write(values.json ? `${JSON.stringify(stats, null, 2)}\n` : `${renderStats(stats)}\n`);
			return 0;
		}
		case "dead-letters": {
			const [action, id, ...extra] = parsed.positionals;
			if (extra.length > 0) throw new CliError(`Unexpected arguments: ${extra.join(" ")}`, 2);
			return deadLetters(client, {
				action,
				id,
				status: str("status") ?? "pending",
				admin: values.admin === true,
				workspace: str("workspace"),
				json: values.json === true,
			});
		}
		case "deliveries":
			return deliveries(client, {
				endpoint: positional("endpointId"),
				redeliver: str("redeliver"),
				json: values.json === true,
			});
		case "api-keys": {
			const [action, ...args] = parsed.positionals;
			return apiKeys(client, { action, args, name: str("name"), scopes: str("scopes"), json: values.json === true });
		}
		default:
			return exportCampaign(client, {
				campaign: positional("campaignId"),
				type: str("type") ?? "recipients",
				format: str("format") ?? "csv",
				out: str("out"),
				pageRows: pageRows(str("page-rows")),
			});
	}
}

/** @param {string | undefined} raw */
function pageRows(raw) {
	if (raw === undefined) return undefined;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
		throw new CliError("--page-rows must be a whole number from 1 to 1000000.", 2);
	return n;
}

/** @param {string | undefined} raw */
function chunkSize(raw) {
	if (raw === undefined) return 5000;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || n > 10_000)
		throw new CliError("--chunk must be a whole number from 1 to 10000.", 2);
	return n;
}

/** @param {Record<string, string | boolean | undefined>} values */
function connect(values) {
	const key = typeof values.key === "string" ? values.key : process.env.TAPLINE_API_KEY;
	if (!key) {
		throw new CliError(
			"No API key: set TAPLINE_API_KEY (or pass --key). A workspace's key is shown once, when the workspace is created.",
			2,
		);
	}
	const url = (typeof values.url === "string" ? values.url : process.env.TAPLINE_URL) || "http://localhost:8787";
	try {
		new URL(url);
	} catch {
		throw new CliError(`Not a URL: ${url} (TAPLINE_URL or --url, e.g. https://tap.example.com).`, 2);
	}
	return new Client({ url, key });
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (err) {
	if (err instanceof CliError) {
		process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}tapline: ${err.message}\n`);
		process.exitCode = err.exitCode;
	} else {
		process.stderr.write(
			`${process.stderr.isTTY ? "\n" : ""}tapline: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`,
		);
		process.exitCode = 1;
	}
}
