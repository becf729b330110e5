// Starts the real Worker (`wrangler dev`, local D1 and Queues in a throwaway directory), the fake shop and the fake
// Twilio, once for the browser and end-to-end suite, and hands their URLs to the tests through `provide`. The Worker
// sends SMS through the fake Twilio, which posts signed status callbacks back to it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startFakeTwilio } from "../fakes/twilio";
import { startShop } from "./shop";

declare module "vitest" {
	export interface ProvidedContext {
		workerUrl: string;
		shopUrl: string;
		adminToken: string;
		fakeTwilioUrl: string;
		twilioAccountSid: string;
		twilioAuthToken: string;
	}
}

const ADMIN_TOKEN = "browser-admin";
const TWILIO_ACCOUNT_SID = `AC${"e2e0".repeat(8)}`;
const TWILIO_AUTH_TOKEN = "e2e-twilio-auth-token";
export const TWILIO_FROM = "+15005550006";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
// wrangler dev compiles and boots workerd; a loaded CI machine can take a while the first time.
const STARTUP_TIMEOUT_MS = 90_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const persistDir = await mkdtemp(join(tmpdir(), "tapline-browser-"));
	const cleanups: Array<() => Promise<void>> = [() => rm(persistDir, { recursive: true, force: true })];
	const teardown = async () => {
		for (const cleanup of cleanups.reverse()) await cleanup();
	};
	try {
		await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir]);
		const twilio = await startFakeTwilio();
		cleanups.push(twilio.close);

		const port = await freePort();
		let inspectorPort = await freePort();
		// A closed port may be handed out again at once.
		while (inspectorPort === port) inspectorPort = await freePort();
		const workerUrl = `http://127.0.0.1:${port}`;
		const worker = spawnWrangler([
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-ip",
			"127.0.0.1",
			"--inspector-port",
			String(inspectorPort),
			"--persist-to",
			persistDir,
			"--show-interactive-dev-session=false",
			"--var",
			`ADMIN_TOKEN:${ADMIN_TOKEN}`,
			"--var",
			"SESSION_SECRET:browser-session-secret-0123456789",
			"--var",
			`PUBLIC_URL:${workerUrl}`,
			"--var",
			"SMS_PROVIDER:twilio",
			"--var",
			`TWILIO_API_BASE:${twilio.url}`,
			"--var",
			`TWILIO_FROM:${TWILIO_FROM}`,
			"--var",
			`TWILIO_ACCOUNT_SID:${TWILIO_ACCOUNT_SID}`,
			"--var",
			`TWILIO_AUTH_TOKEN:${TWILIO_AUTH_TOKEN}`,
		]);
		cleanups.push(() => killTree(worker.child));
		await waitForWorker(workerUrl, worker);

		const shop = await startShop(workerUrl);
		cleanups.push(shop.close);

		project.provide("workerUrl", workerUrl);
		project.provide("shopUrl", shop.url);
		project.provide("adminToken", ADMIN_TOKEN);
		project.provide("fakeTwilioUrl", twilio.url);
		project.provide("twilioAccountSid", TWILIO_ACCOUNT_SID);
		project.provide("twilioAuthToken", TWILIO_AUTH_TOKEN);
		return teardown;
	} catch (error) {
		await teardown();
		throw error;
	}
}

interface Wrangler {
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

function spawnWrangler(args: string[]): Wrangler {
	// The Node 22 in node_modules/.bin comes first, as under `npm run`, whatever Node runs vitest.
	const child = spawn(join(BIN, "wrangler"), args, {
		cwd: ROOT,
		env: { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
		stdio: ["ignore", "pipe", "pipe"],
		// Its own process group, so teardown can end wrangler and the workerd it starts together.
		detached: true,
	});
	let output = "";
	const keep = (chunk: Buffer) => {
		// Only the tail matters when startup fails.
		output = (output + chunk.toString("utf8")).slice(-20_000);
	};
	child.stdout?.on("data", keep);
	child.stderr?.on("data", keep);
	const exited = new Promise<number | null>((resolve) => {
		child.once("exit", (code) => resolve(code));
		child.once("error", () => resolve(-1));
	});
	return { child, output: () => output, exited };
}

async function run(args: string[]): Promise<void> {
	const wrangler = spawnWrangler(args);
	const code = await wrangler.exited;
	if (code !== 0) throw new Error(`wrangler ${args.join(" ")} exited with ${code}:\n${wrangler.output()}`);
}

async function waitForWorker(url: string, worker: Wrangler): Promise<void> {
	const deadline = Date.now() + STARTUP_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (worker.child.exitCode !== null || worker.child.signalCode !== null)
			throw new Error(`wrangler dev exited before answering:\n${worker.output()}`);
		try {
			const res = await fetch(`${url}/robots.txt`, { signal: AbortSignal.timeout(2_000) });
			await res.arrayBuffer();
			if (res.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`wrangler dev did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms:\n${worker.output()}`);
}

async function killTree(child: ChildProcess): Promise<void> {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(-(child.pid as number), name);
		} catch {
			// The group is already gone.
		}
	};
	signal("SIGTERM");
	const timer = setTimeout(() => signal("SIGKILL"), 5_000);
	await gone;
	clearTimeout(timer);
	// workerd may outlive wrangler by a moment; make sure nothing of the group is left listening.
	signal("SIGKILL");
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
