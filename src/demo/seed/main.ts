// `npm run seed`: fills the local development database with a demo workspace, "Demo Shop", whose four campaigns ran
// over the past three weeks, so that `npm run dev` shows a living dashboard. Everything goes through Tapline's own
// code: the seed starts `wrangler dev` on src/demo/seed-worker.ts (the real Worker with a movable clock) in the same
// local state as `npm run dev`, walks the timeline of src/demo/seed/plan.ts against its HTTP API, and stops it.
//
//   npm run seed [-- --recipients 6000] [--persist-to <dir>] …   (npm run seed -- --help lists every option)
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createApi } from "./http.ts";
import { createRandom } from "./people.ts";
import { createPlanner, MINUTE, planDemo } from "./plan.ts";
import { type CampaignStats, type Journey, runTimeline } from "./run.ts";
import { processesUsing, ROOT, runWrangler, startWranglerDev, stopWrangler, type Wrangler } from "./wrangler.ts";

const USAGE = `Usage: npm run seed [-- options]

Fills the local database of \`npm run dev\` with a demo workspace: four campaigns over the past three weeks,
their SMS, deliveries, link previews, taps, purchases, STOP replies and follow-ups.

  --recipients <n>    SMS of the campaigns in all (default 6000; 40 to 100000)
  --persist-to <dir>  the local state to fill (default .wrangler/state, that of npm run dev)
  --seed <n>          the random seed (default 1): the same seed gives the same people and events
  --public-url <url>  origin printed in the demo's short links (default http://localhost:8787)
  --concurrency <n>   requests at once (default 8)
`;

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const log = (line: string) => process.stderr.write(`[seed ${elapsed()}] ${line}\n`);
/** A path as short as it can be said from here: relative inside the working directory, absolute outside. */
const shown = (path: string) =>
	relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path) || ".";

function options() {
	const { values } = parseArgs({
		options: {
			recipients: { type: "string", default: "6000" },
			"persist-to": { type: "string" },
			seed: { type: "string", default: "1" },
			"public-url": { type: "string", default: "http://localhost:8787" },
			concurrency: { type: "string", default: "8" },
			help: { type: "boolean", short: "h", default: false },
		},
	});
	if (values.help) {
		process.stdout.write(USAGE);
		process.exit(0);
	}
	const integer = (name: string, value: string, min: number, max: number) => {
		const n = Number(value);
		if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max}`);
		return n;
	};
	const publicUrl = values["public-url"].replace(/\/+$/, "");
	if (!/^https?:\/\/[^/]+$/.test(publicUrl)) fail("--public-url must be an origin such as http://localhost:8787");
	return {
		recipients: integer("recipients", values.recipients, 40, 100_000),
		seed: integer("seed", values.seed, 0, 2 ** 32 - 1),
		concurrency: integer("concurrency", values.concurrency, 1, 64),
		persistDir: resolve(values["persist-to"] ?? join(ROOT, ".wrangler", "state")),
		publicUrl,
	};
}

function fail(message: string): never {
	process.stderr.write(`npm run seed: ${message}\n`);
	process.exit(1);
}

async function main() {
	const o = options();
	const users = processesUsing(o.persistDir);
	if (users === null) {
		log("cannot tell on this system whether `npm run dev` is running: stop it before seeding, if it is");
	} else if (users.length > 0) {
		fail(
			`refusing to seed: another process has the local database in ${o.persistDir} open (\`npm run dev\`?):\n` +
				users.map((u) => `  pid ${u.pid}: ${u.command}`).join("\n") +
				"\nStop it, run `npm run seed`, then start `npm run dev` again; or seed another directory with --persist-to.",
		);
	}
	mkdirSync(o.persistDir, { recursive: true });
	const persist = ["--persist-to", o.persistDir];
	log(`applying migrations to the local D1 in ${shown(o.persistDir)}`);
	await runWrangler(["d1", "migrations", "apply", "DB", "--local", ...persist]);

	const adminToken = randomUUID();
	const twilioAuthToken = randomUUID();
	log("starting the seed Worker (wrangler dev src/demo/seed-worker.ts)");
	const { url, worker } = await startWranglerDev({
		script: "src/demo/seed-worker.ts",
		persistTo: o.persistDir,
		vars: () => ({
			ADMIN_TOKEN: adminToken,
			PUBLIC_URL: o.publicUrl,
			// Whatever .dev.vars says: the demo must never text anyone.
			SMS_PROVIDER: "outbox",
			// Only so that the STOP replies can be posted to the inbound webhook, signed as Twilio would sign them.
			TWILIO_AUTH_TOKEN: twilioAuthToken,
			// The seed posts thousands of taps, events and orders within a few simulated minutes; a shop does not.
			API_RATE_LIMIT: "1000000",
		}),
	});
	log(`the seed Worker answers on ${url}`);
	const stop = () => stopWrangler(worker);
	// Stopped however the seed is stopped, or its workerd would keep the database and the next seed would refuse.
	for (const [signal, code] of [
		["SIGINT", 130],
		["SIGTERM", 143],
		["SIGHUP", 129],
	] as const) {
		process.once(signal, () => void stop().finally(() => process.exit(code)));
	}
	try {
		await seed(o, url, adminToken, twilioAuthToken, worker);
	} finally {
		await stop();
	}
}

async function seed(
	o: ReturnType<typeof options>,
	url: string,
	adminToken: string,
	twilioAuthToken: string,
	worker: Wrangler,
) {
	const random = createRandom(o.seed);
	// The timeline ends a little before the real now, so that nothing is stamped in the future.
	const until = Date.now() - 2 * MINUTE;
	const planner = createPlanner(random, until);
	const plan = planDemo(random, planner, o.recipients, until);
	log(
		`planned ${plan.campaigns.reduce((n, c) => n + c.recipients.length, 0)} SMS to ${plan.people.length} people, ` +
			`${plan.steps.length} steps and ${plan.purchases.length} purchases from ${new Date(plan.campaigns[0]?.sendAt ?? until).toISOString().slice(0, 10)}`,
	);
	const api = createApi(url, adminToken);
	let result: Awaited<ReturnType<typeof runTimeline>>;
	try {
		result = await runTimeline({
			api,
			plan,
			planner,
			random,
			publicUrl: o.publicUrl,
			twilioAuthToken,
			concurrency: o.concurrency,
			log,
		});
	} catch (error) {
		process.stderr.write(`\nThe seed Worker's last output:\n${worker.output().slice(-4_000)}\n`);
		throw error;
	}

	const rows: string[] = [];
	for (const c of result.campaigns) {
		const s = await api.get<CampaignStats>(`/api/v1/campaigns/${c.id}/stats`);
		const revenue = Object.entries(s.purchases.revenue)
			.map(([currency, value]) => `${value.toFixed(2)} ${currency}`)
			.join(" + ");
		const followUps = s.followUps.enabled ? `, ${s.followUps.sent} follow-ups` : "";
		rows.push(
			`  ${c.stage.padEnd(13)} ${c.name.padEnd(20)} ${c.id}  ${s.messages.sent} sent, ${s.messages.delivered} delivered, ` +
				`${s.clicks.human} human / ${s.clicks.bot} bot taps, ${s.purchases.orders} orders (${revenue || "0"})${followUps}`,
		);
	}
	const journey = await api.get<Journey>("/api/v1/journey");
	const keyFile = join(o.persistDir, "demo-api-key");
	writeFileSync(keyFile, `${result.apiKey}\n`, { mode: 0o600 });
	writeFileSync(
		join(o.persistDir, "demo-seed.json"),
		`${JSON.stringify({ workspace: "Demo Shop", apiKey: result.apiKey, campaigns: result.campaigns, seed: o.seed, recipients: o.recipients, seededAt: new Date().toISOString() }, null, 2)}\n`,
		{ mode: 0o600 },
	);
	const dev =
		o.persistDir === resolve(ROOT, ".wrangler", "state")
			? "npm run dev"
			: `npm run dev -- --persist-to ${o.persistDir}`;
	process.stdout.write(
		[
			"",
			`Demo Shop seeded in ${elapsed()}: ${o.recipients} SMS over ${result.campaigns.length} campaigns (seed ${o.seed}).`,
			...rows,
			`  unattributed purchases: ${journey.unattributed.orders}`,
			"",
			`API key: ${result.apiKey}`,
			`  (saved to ${shown(keyFile)})`,
			"",
			`Open ${o.publicUrl}/dashboard after \`${dev}\`, or ask the API:`,
			`  curl -s ${o.publicUrl}/api/v1/journey -H "authorization: Bearer $(cat ${shown(keyFile)})"`,
			"",
		].join("\n"),
	);
}

main().catch((error: unknown) => {
	process.stderr.write(
		`npm run seed failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
