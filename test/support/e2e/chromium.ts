// The browser for the e2e suite, found or brought without downloading anything: TAPLINE_CHROMIUM=bundled forces the
// Chromium inside @sparticuz/chromium (so CI can prove the fallback on a machine that has a system one); otherwise
// CHROMIUM_PATH, then a system Chromium or Chrome, then that bundled one on Linux x64 (the only build the npm
// package ships).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium } from "playwright-core";

// The tests exercise Tapline, not Chromium's background services: nothing may leave 127.0.0.1.
const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-quic",
	"--no-first-run",
	"--disable-component-update",
	"--disable-sync",
];

// Debian/Ubuntu's Chromium, Google's Chrome package, and the two on macOS.
const SYSTEM_CHROMIUMS = [
	"/usr/bin/chromium",
	"/usr/bin/chromium-browser",
	"/usr/bin/google-chrome-stable",
	"/usr/bin/google-chrome",
	"/opt/google/chrome/chrome",
	"/Applications/Chromium.app/Contents/MacOS/Chromium",
	"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

const INSTALL_ONE =
	"install Chromium or Chrome (Debian/Ubuntu: apt-get install chromium), or set CHROMIUM_PATH to its binary";

interface FoundChromium {
	executablePath: string;
	/** Set for the browser process only, on top of the tests' environment. */
	env: Record<string, string>;
	/** Which one and where from, for the log line. */
	source: string;
	version: string;
}

let found: Promise<FoundChromium> | undefined;

/** Vitest global setup (vitest.e2e.config.ts): picks the browser once, before the test files run in parallel. */
export async function setup(): Promise<void> {
	// The bundled Chromium is unpacked to one fixed file; test files unpacking it at once would run a half-written
	// binary (ETXTBSY), so it is unpacked here, and the test files find it in place.
	try {
		const chosen = await findChromium();
		console.error(`e2e browser: ${chosen.version}, ${chosen.source}`);
	} catch (error) {
		// Nothing has started yet (this setup runs first) and the reason fits on one line: say it and stop, rather
		// than under vitest's "No test files found" and a stack trace.
		console.error(`e2e browser: ${(error as Error).message}`);
		process.exit(1);
	}
}

/** Headless Chromium, found as the header says. */
export async function launchChromium(): Promise<Browser> {
	const { executablePath, env } = await findChromium();
	return chromium.launch({
		executablePath,
		args: CHROMIUM_ARGS,
		env: { ...process.env, ...env },
		timeout: 30_000,
	});
}

function findChromium(): Promise<FoundChromium> {
	found ??= pickChromium();
	return found;
}

async function pickChromium(): Promise<FoundChromium> {
	const forced = process.env.TAPLINE_CHROMIUM;
	if (forced === "bundled") return unpackBundledChromium();
	if (forced) throw new Error(`TAPLINE_CHROMIUM is "${forced}"; it takes "bundled" or nothing.`);

	const named = process.env.CHROMIUM_PATH;
	if (named) {
		if (!existsSync(named)) throw new Error(`CHROMIUM_PATH is ${named}, and there is no such file.`);
		return startable(named, {}, `CHROMIUM_PATH (${named})`);
	}
	const system = SYSTEM_CHROMIUMS.find(existsSync);
	if (system) return startable(system, {}, `the system's (${system})`);
	if (bundledFitsHere()) return unpackBundledChromium();
	throw new Error(`No Chromium for the browser tests on ${process.platform} ${process.arch}: ${INSTALL_ONE}.`);
}

function bundledFitsHere(): boolean {
	return process.platform === "linux" && process.arch === "x64";
}

/**
 * The headless_shell build that @sparticuz/chromium ships brotli-compressed inside the package (it is made for AWS
 * Lambda), unpacked by the package to os.tmpdir() on first use and reused after.
 */
async function unpackBundledChromium(): Promise<FoundChromium> {
	if (!bundledFitsHere()) {
		throw new Error(
			`TAPLINE_CHROMIUM=bundled, but @sparticuz/chromium ships Chromium for Linux x64 only, not ${process.platform} ${process.arch}.`,
		);
	}
	// Imported only here: on AWS hosts its import sets LD_LIBRARY_PATH and FONTCONFIG_PATH for the whole process.
	const { default: bundled, inflate } = await import("@sparticuz/chromium");
	const bin = join(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")), "..", "bin");
	const packageVersion = (JSON.parse(readFileSync(join(bin, "..", "package.json"), "utf8")) as { version: string })
		.version;
	const source = `bundled by @sparticuz/chromium ${packageVersion}`;
	// Its own fonts (Open Sans), so that pages render alike on every machine, one with no fonts installed included.
	const env: Record<string, string> = { FONTCONFIG_PATH: join(tmpdir(), "fonts") };

	const started = performance.now();
	let unpacked = !existsSync(join(tmpdir(), "chromium"));
	let executablePath = await bundled.executablePath();
	let probe = await probeChromium(executablePath, env);
	let libs = "";
	if (probe.failure?.includes("error while loading shared libraries")) {
		// It links the system's NSS (libnss3, libnspr4), which Debian's chromium package brings and a bare machine
		// lacks; the package ships Amazon Linux 2023's copies, which run wherever glibc is 2.34 or newer.
		const lib = join(await inflate(join(bin, "al2023.tar.br")), "lib");
		env.LD_LIBRARY_PATH = [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
		libs = `, with its own NSS from ${lib}`;
		probe = await probeChromium(executablePath, env);
		if (probe.failure) {
			throw new Error(`The bundled Chromium does not start (${probe.failure}): install libnss3, or ${INSTALL_ONE}.`);
		}
	} else if (probe.failure || !probe.version.startsWith(`Chromium ${packageVersion.split(".")[0]}.`)) {
		// Another version's, or a run stopped while unpacking left it half written: the package trusts any file
		// there, so make it unpack its own again.
		rmSync(executablePath, { force: true });
		unpacked = true;
		executablePath = await bundled.executablePath();
		probe = await probeChromium(executablePath, env);
		if (probe.failure) throw new Error(`The bundled Chromium does not start (${probe.failure}): ${INSTALL_ONE}.`);
	}
	const took = unpacked
		? `, unpacked to ${executablePath} in ${((performance.now() - started) / 1000).toFixed(1)} s`
		: "";
	return { executablePath, env, source: `${source}${took}${libs}`, version: probe.version };
}

async function startable(executablePath: string, env: Record<string, string>, source: string): Promise<FoundChromium> {
	const probe = await probeChromium(executablePath, env);
	if (probe.failure) throw new Error(`${source} does not start (${probe.failure}): ${INSTALL_ONE}.`);
	return { executablePath, env, source, version: probe.version };
}

/** `--version` only: it fails at once on a missing library or a broken binary, which a launch reports at length. */
async function probeChromium(
	executablePath: string,
	env: Record<string, string>,
): Promise<{ version: string; failure?: string }> {
	try {
		const { stdout } = await promisify(execFile)(executablePath, ["--version"], {
			env: { ...process.env, ...env },
			timeout: 10_000,
		});
		return { version: stdout.trim() };
	} catch (error) {
		const { stderr, message } = error as { stderr?: string; message: string };
		return { version: "", failure: (stderr?.trim() || message).split("\n")[0] };
	}
}
