import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

// Debian/Ubuntu's Chromium unless CHROMIUM_PATH names another Chromium or Chrome binary.
const CHROMIUM =
	process.env.CHROMIUM_PATH ??
	["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync) ??
	"/usr/bin/chromium";
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

/** Headless Chromium from the system; nothing is downloaded. */
export async function launchChromium(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`No Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`,
		);
	}
	return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}
