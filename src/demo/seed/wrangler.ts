// Wrangler driven from Node: migrations, then `wrangler dev` in a local state, stopped with everything it started.
// The seed runs its clock-moving Worker this way, and the browser and end-to-end suite (test/support/e2e/global-setup.ts)
// the real one.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
// wrangler dev compiles and boots workerd; a loaded machine can take a while the first time.
const STARTUP_TIMEOUT_MS = 90_000;

export interface Wrangler {
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

export function spawnWrangler(args: string[]): Wrangler {
	// The Node 22 of node_modules/.bin first, as under `npm run`, whatever Node runs the seed.
	const child = spawn(join(BIN, "wrangler"), args, {
		cwd: ROOT,
		env: { ...process.env, PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
		stdio: ["ignore", "pipe", "pipe"],
		// Its own process group, so that stopping it ends the workerd it starts too.
		detached: true,
	});
	let output = "";
	const keep = (chunk: Buffer) => {
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

export async function runWrangler(args: string[]): Promise<void> {
	const wrangler = spawnWrangler(args);
	const code = await wrangler.exited;
	if (code !== 0) throw new Error(`wrangler ${args.join(" ")} exited with ${code}:\n${wrangler.output()}`);
}

export async function waitForWorker(url: string, worker: Wrangler): Promise<void> {
	const deadline = Date.now() + STARTUP_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
			throw new Error(`wrangler dev exited before answering:\n${worker.output()}`);
		}
		try {
			const res = await fetch(`${url}/robots.txt`, { signal: AbortSignal.timeout(2_000) });
			await res.arrayBuffer();
			if (res.ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`wrangler dev did not answer on ${url} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${worker.output()}`);
}

/** Ends wrangler and the workerd it started: the whole process group, politely first. */
export async function stopWrangler(worker: Wrangler): Promise<void> {
	const { child } = worker;
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(-(child.pid as number), name);
		} catch {
			// The group is already gone.
		}
	};
	signal("SIGTERM");
	const timer = setTimeout(() => signal("SIGKILL"), 5_000);
	await worker.exited;
	clearTimeout(timer);
	// workerd may outlive wrangler by a moment.
	signal("SIGKILL");
}

/**
 * `wrangler dev` (on `script`, else wrangler.toml's main) on free local ports, the Worker's and the inspector's, with
 * the given vars (they may name the URL it will answer on); resolves once it serves.
 */
export async function startWranglerDev(options: {
	script?: string;
	persistTo: string;
	vars: (url: string) => Record<string, string>;
}): Promise<{ url: string; worker: Wrangler }> {
	const port = await freePort();
	let inspectorPort = await freePort();
	// A closed port may be handed out again at once.
	while (inspectorPort === port) inspectorPort = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const worker = spawnWrangler([
		"dev",
		...(options.script ? [options.script] : []),
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--inspector-ip",
		"127.0.0.1",
		"--inspector-port",
		String(inspectorPort),
		"--persist-to",
		options.persistTo,
		"--show-interactive-dev-session=false",
		...Object.entries(options.vars(url)).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
	]);
	try {
		await waitForWorker(url, worker);
	} catch (error) {
		await stopWrangler(worker);
		throw error;
	}
	return { url, worker };
}

export function freePort(): Promise<number> {
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

/**
 * The processes that hold a file under `dir` open: a `wrangler dev` (workerd keeps the local D1 open) on the same
 * state. Two workerd processes writing one SQLite file is not something to do to a developer's database. Answers
 * null where /proc cannot tell (not Linux).
 */
export function processesUsing(dir: string): { pid: number; command: string }[] | null {
	let pids: string[];
	try {
		pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
	} catch {
		return null;
	}
	const prefix = dir.endsWith(sep) ? dir : dir + sep;
	const found: { pid: number; command: string }[] = [];
	for (const pid of pids) {
		if (Number(pid) === process.pid) continue;
		let fds: string[];
		try {
			fds = readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue; // another user's process, or gone
		}
		const holds = fds.some((fd) => {
			try {
				return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix);
			} catch {
				return false;
			}
		});
		if (!holds) continue;
		let command = "";
		try {
			command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 160);
		} catch {
			// gone meanwhile
		}
		found.push({ pid: Number(pid), command });
	}
	return found;
}
