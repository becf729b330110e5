// The CLI as a user runs it: a Node process against the real Worker under `wrangler dev` (test/support/e2e/global-setup.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { csvRecords } from "../support/csv";
import { zoneWhereHourIs } from "../support/zones";

const workerUrl = inject("workerUrl");
const adminToken = inject("adminToken");
const CLI = fileURLToPath(new URL("../../src/cli/tapline.mjs", import.meta.url));
const IPHONE_SAFARI =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

function start(
	args: string[],
	env: Record<string, string | undefined> = {},
): { child: ChildProcess; done: Promise<Run> } {
	const child = spawn(process.execPath, [CLI, ...args], {
		env: { ...process.env, TAPLINE_URL: workerUrl, TAPLINE_API_KEY: key, ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		stdout += chunk.toString("utf8");
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr += chunk.toString("utf8");
	});
	const done = new Promise<Run>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
	return { child, done };
}

function tapline(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
	return start(args, env).done;
}

async function api<T>(path: string, token: string, json?: unknown): Promise<T> {
	const res = await fetch(`${workerUrl}/api/v1${path}`, {
		method: json === undefined ? "GET" : "POST",
		headers: {
			authorization: `Bearer ${token}`,
			...(json === undefined ? {} : { "content-type": "application/json" }),
		},
		body: json === undefined ? undefined : JSON.stringify(json),
	});
	expect(res.ok, await res.clone().text()).toBe(true);
	return (await res.json()) as T;
}

async function newCampaign(name = "CLI Sale"): Promise<string> {
	const body = await api<{ campaign: { id: string } }>("/campaigns", key, {
		name,
		stage: "consideration",
		destinationUrl: "https://shop.example/sale",
	});
	return body.campaign.id;
}

/** A contact list of `n` distinct valid US numbers (none the other tests use); `bad` puts a broken phone on the given data rows (0-based). */
function contactList(n: number, bad: Record<number, string> = {}): string {
	const lines = ["Phone,External ID,Variant"];
	for (let i = 0; i < n; i++) {
		const area = ["415", "510", "650", "408", "707", "925", "303", "312", "617", "206"][Math.floor(i / 10_000)];
		const phone = bad[i] ?? `+1 ${area} 555 ${String(i % 10_000).padStart(4, "0")}`;
		lines.push(`${phone},cust-${i},${i % 2 === 0 ? "A" : "B"}`);
	}
	return `${lines.join("\n")}\n`;
}

let key = "";
let dir = "";

beforeAll(async () => {
	const created = await api<{ apiKey: string }>("/workspaces", adminToken, { name: "CLI Shop" });
	key = created.apiKey;
	dir = await mkdtemp(join(tmpdir(), "tapline-cli-"));
});

// The CSVs run to 10 MB: none stays behind in the system's temporary folder.
afterAll(async () => {
	if (dir) await rm(dir, { recursive: true, force: true });
});

describe("tapline mint", () => {
	it("should mint 100,000 rows, report the bad ones by line and write every other link", async () => {
		const campaign = await newCampaign();
		const csv = join(dir, "big.csv");
		// Data row i is on line i + 2 (the header is line 1).
		await writeFile(csv, contactList(100_000, { 9: "not-a-phone", 12345: "+1 415 555", 99998: "" }));
		const out = join(dir, "big-links.csv");
		const started = Date.now();
		const run = await tapline(["mint", "--campaign", campaign, "--csv", csv, "--out", out]);
		const seconds = (Date.now() - started) / 1000;
		expect(run.code, run.stderr).toBe(3);
		expect(run.stderr).toContain("100,000 rows read, 99,997 links (99,997 new, 0 already minted), 3 rejected");
		expect(run.stderr).toMatch(/line 11: phone: /);
		expect(run.stderr).toMatch(/line 12347: phone: /);
		expect(run.stderr).toMatch(/line 100000: phone: /);
		const links = csvRecords(await readFile(out, "utf8"));
		expect(links).toHaveLength(99_997);
		expect(new Set(links.map((l) => l.code)).size).toBe(99_997);
		expect(links[0]).toMatchObject({ line: "2", phone: "+14155550000", variant: "A", created: "true" });
		expect(links[0]?.shortUrl).toBe(`${workerUrl}/${links[0]?.code}`);
		const rejected = csvRecords(await readFile(`${out}.rejected.csv`, "utf8"));
		expect(rejected.map((r) => r.line)).toEqual(["11", "12347", "100000"]);
		expect(existsSync(`${out}.progress`)).toBe(false);
		console.info(`tapline mint: 100,000 rows in ${seconds.toFixed(1)} s through wrangler dev`);

		// Minting again is idempotent: the same links, none new.
		const again = await tapline(["mint", "--campaign", campaign, "--csv", csv, "--out", out]);
		expect(again.stderr).toContain("99,997 links (0 new, 99,997 already minted), 3 rejected");
	}, 300_000);

	it("should carry on after an interruption, with every row once in the output", async () => {
		const campaign = await newCampaign();
		const csv = join(dir, "resume.csv");
		await writeFile(csv, contactList(6_000));
		const out = join(dir, "resume-links.csv");
		const args = ["mint", "--campaign", campaign, "--csv", csv, "--out", out, "--chunk", "200"];
		const first = start(args);
		// Killed as hard as a lost terminal would, once at least one chunk is recorded.
		while (!existsSync(`${out}.progress`)) await new Promise((resolve) => setTimeout(resolve, 10));
		first.child.kill("SIGKILL");
		const killed = await first.done;
		expect(killed.code).toBeNull();
		const progress = JSON.parse(await readFile(`${out}.progress`, "utf8")) as { line: number };
		expect(progress.line).toBeLessThan(6_001);

		const resumed = await tapline(args);
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.stderr).toMatch(/Resuming after line \d+/);
		const links = csvRecords(await readFile(out, "utf8"));
		expect(links.map((l) => Number(l.line))).toEqual(Array.from({ length: 6_000 }, (_, i) => i + 2));
		expect(new Set(links.map((l) => l.code)).size).toBe(6_000);
		expect(existsSync(`${out}.progress`)).toBe(false);
	}, 120_000);
});

describe("tapline send --dry-run", () => {
	it("should summarise messages, segments and skips by reason with their lines", async () => {
		const campaign = await newCampaign();
		const csv = join(dir, "send.csv");
		await writeFile(
			csv,
			[
				"phone,first_name,coupon",
				"+1 415 555 2671,Ada,SPRING20",
				"+1 415 555 2672,,SPRING20",
				"not a phone,Bob,X",
				"+1 415 555 2671,Ada,SPRING20",
			].join("\n"),
		);
		const run = await tapline([
			"send",
			"--campaign",
			campaign,
			"--csv",
			csv,
			"--message",
			"Hi {firstName|there}, use {fields.coupon}: {link} Reply STOP to opt out",
			"--dry-run",
		]);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toContain("Dry run: nothing was sent. 4 rows, 2 messages, 2 SMS segments, 2 skipped.");
		expect(run.stdout).toMatch(/Hi Ada, use SPRING20: http\S+ Reply STOP to opt out/);
		expect(run.stdout).toMatch(/invalid_phone: 1 .*line 4\b/);
		expect(run.stdout).toMatch(/duplicate: 1 .*line 5\b/);
	});
});

describe("tapline send", () => {
	it("should queue the messages, texting each recipient once however often it is run", async () => {
		const campaign = await newCampaign("CLI Send");
		// Midday in the recipients' zone, so quiet hours hold nothing back whenever the suite runs.
		const zone = zoneWhereHourIs(12);
		const csv = join(dir, "real-send.csv");
		await writeFile(csv, `phone,firstName,timezone\n+14157060201,Ada,${zone}\n+14157060202,,${zone}\n`);
		const args = ["send", "--campaign", campaign, "--csv", csv, "--message", "Hi {firstName|there}: {link}"];
		const first = await tapline(args);
		expect(first.code, first.stderr).toBe(0);
		expect(first.stdout).toContain(
			"Sent: 2 queued (0 of them held for the recipients' sending hours), 0 skipped, of 2 rows.",
		);
		const again = await tapline(args);
		expect(again.code, again.stderr).toBe(0);
		expect(again.stdout).toMatch(/Sent: 0 queued .*2 skipped/);
		expect(again.stdout).toMatch(/already_(queued|sent): 2/);

		// The Worker's send queue hands them to the (fake) Twilio once each.
		const twilio = `${inject("fakeTwilioUrl")}/__fake/accounts/${inject("twilioAccountSid")}/requests`;
		const ours = ["+14157060201", "+14157060202"];
		let to: string[] = [];
		for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
			const { requests } = (await (await fetch(twilio)).json()) as { requests: { params: { To?: string } }[] };
			to = requests.map((r) => r.params.To ?? "").filter((t) => ours.includes(t));
			if (to.length >= 2) break;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(to.sort()).toEqual(ours);
	});
});

describe("tapline stats and export", () => {
	it("should print the campaign's numbers and export one parseable row per recipient", async () => {
		const campaign = await newCampaign();
		const csv = join(dir, "small.csv");
		// Numbers no other test mints: a contact's externalId is the workspace's, whichever campaign set it last.
		await writeFile(
			csv,
			'phone,externalId,variant\n+12125550171,"Acme, Inc.",A\n+12125550172,"=1+1",B\n+12125550173,,A\n',
		);
		const minted = await tapline(["mint", "--campaign", campaign, "--csv", csv]);
		expect(minted.code, minted.stderr).toBe(0);
		const [first] = csvRecords(minted.stdout);
		const tap = await fetch(`${workerUrl}/${first?.code}`, {
			headers: { "user-agent": IPHONE_SAFARI },
			redirect: "manual",
		});
		expect(tap.status).toBe(302);

		// The local queue flushes within 2 seconds.
		let stats: Run = { code: null, stdout: "", stderr: "" };
		for (let i = 0; i < 40 && !/Unique people who tapped\s+1\b/.test(stats.stdout); i++) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			stats = await tapline(["stats", campaign]);
		}
		expect(stats.code, stats.stderr).toBe(0);
		expect(stats.stdout).toMatch(/Links \(recipients\)\s+3\b/);
		expect(stats.stdout).toMatch(/Unique people who tapped\s+1\b/);
		expect(stats.stdout).toMatch(/Click-through rate\s+33\.3%/);
		expect(stats.stdout).toMatch(/^A\s+2\s+1\s+1\s+50\.0%/m);

		const out = join(dir, "recipients.csv");
		const exported = await tapline(["export", campaign, "--out", out]);
		expect(exported.code, exported.stderr).toBe(0);
		const rows = csvRecords(await readFile(out, "utf8"));
		expect(rows).toHaveLength(3);
		expect(rows.map((r) => r.externalId).sort()).toEqual(["", "'=1+1", "Acme, Inc."]);
		expect(rows.find((r) => r.code === first?.code)).toMatchObject({ phone: "+12125550171", humanClicks: "1" });

		// A response a row: the CLI follows X-Next-Cursor and writes the same file, the CSV header once.
		const paged = join(dir, "recipients-paged.csv");
		const pagedRun = await tapline(["export", campaign, "--out", paged, "--page-rows", "1"]);
		expect(pagedRun.code, pagedRun.stderr).toBe(0);
		expect(await readFile(paged, "utf8")).toBe(await readFile(out, "utf8"));
		const pagedNdjson = await tapline(["export", campaign, "--format", "ndjson", "--page-rows", "2"]);
		const wholeNdjson = await tapline(["export", campaign, "--format", "ndjson"]);
		expect(pagedNdjson.stdout.trim().split("\n")).toHaveLength(3);
		expect(pagedNdjson.stdout).toBe(wholeNdjson.stdout);
		const badPage = await tapline(["export", campaign, "--page-rows", "0"]);
		expect(badPage.code).toBe(2);

		const clicks = await tapline(["export", campaign, "--type", "clicks", "--format", "ndjson"]);
		const lines = clicks.stdout.trim().split("\n");
		expect(lines).toHaveLength(1);
		expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ linkCode: first?.code, human: true, os: "iOS" });
	}, 60_000);
});

describe("tapline stats with a follow-up", () => {
	it("should show the follow-up funnel once the cron has run as of a day later", async () => {
		const later = Date.now() + 25 * 3_600_000;
		const { campaign } = await api<{ campaign: { id: string } }>("/campaigns", key, {
			name: "CLI Follow-up",
			stage: "consideration",
			destinationUrl: "https://shop.example/sale",
			followUp: { enabled: true, message: "Still thinking it over? {link}" },
		});
		const csv = join(dir, "follow-up.csv");
		// Midday where the contact lives when the follow-up falls due, so quiet hours do not hold it back.
		await writeFile(csv, `phone,timezone\n+12125550181,${zoneWhereHourIs(12, later)}\n`);
		const minted = await tapline(["mint", "--campaign", campaign.id, "--csv", csv]);
		expect(minted.code, minted.stderr).toBe(0);
		const [link] = csvRecords(minted.stdout);
		await fetch(`${workerUrl}/${link?.code}`, { headers: { "user-agent": IPHONE_SAFARI }, redirect: "manual" });
		for (let i = 0; i < 40; i++) {
			const { link: stored } = await api<{ link: { firstHumanClickAt: number | null } }>(`/links/${link?.code}`, key);
			if (stored.firstHumanClickAt) break;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}

		const cron = await fetch(`${workerUrl}/cdn-cgi/handler/scheduled?time=${later}`);
		expect(cron.status).toBe(200);
		let stats: Run = { code: null, stdout: "", stderr: "" };
		for (let i = 0; i < 40 && !/^ {2}sent\s+1$/m.test(stats.stdout); i++) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			stats = await tapline(["stats", campaign.id]);
		}
		expect(stats.code, stats.stderr).toBe(0);
		expect(stats.stdout).toMatch(/^Eligible \(tapped, did not buy\)\s+1$/m);
		expect(stats.stdout).toMatch(/^ {2}sent\s+1$/m);
		expect(stats.stdout).toMatch(/^ {2}skipped: bought \/ opted out\s+0 \/ 0$/m);

		// The Worker's send queue hands the follow-up, with its own fresh link, to the (fake) Twilio.
		const twilio = `${inject("fakeTwilioUrl")}/__fake/accounts/${inject("twilioAccountSid")}/requests`;
		let bodies: string[] = [];
		for (const deadline = Date.now() + 20_000; Date.now() < deadline && bodies.length === 0; ) {
			const { requests } = (await (await fetch(twilio)).json()) as {
				requests: { params: { To?: string; Body?: string } }[];
			};
			bodies = requests.filter((r) => r.params.To === "+12125550181").map((r) => r.params.Body ?? "");
			if (bodies.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(bodies).toHaveLength(1);
		expect(bodies[0]).toMatch(/^Still thinking it over\? http\S+\/[0-9A-Za-z]{7}$/);
		expect(bodies[0]).not.toContain(link?.code);
	}, 60_000);
});

describe("tapline api-keys", () => {
	it("should create a scoped key once, list it without the key, and revoke it", async () => {
		const created = await tapline(["api-keys", "create", "--name", "cli shop", "--scopes", "conversions:write"]);
		expect(created.code, created.stderr).toBe(0);
		const newKey = created.stdout.trim();
		expect(newKey).toMatch(/^tl_[0-9A-Za-z]{32}$/);
		const id = created.stderr.match(/Created (key_\w+)/)?.[1] ?? "";
		expect(id).not.toBe("");

		const listed = await tapline(["api-keys", "list"]);
		expect(listed.code).toBe(0);
		expect(listed.stdout).toMatch(/cli shop\s+conversions:write/);
		expect(listed.stdout).not.toContain(newKey);

		// The narrow key cannot manage keys: the API's 403 names the scope.
		const denied = await tapline(["api-keys", "list"], { TAPLINE_API_KEY: newKey });
		expect(denied.code).toBe(1);
		expect(denied.stderr).toContain('403 forbidden: This API key lacks the "full" scope');

		const bad = await tapline(["api-keys", "create", "--name", "x", "--scopes", "admin"]);
		expect(bad.code).toBe(2);

		const revoked = await tapline(["api-keys", "revoke", id]);
		expect(revoked.code, revoked.stderr).toBe(0);
		const after = await fetch(`${workerUrl}/api/v1/conversions`, {
			method: "POST",
			headers: { authorization: `Bearer ${newKey}`, "content-type": "application/json" },
			body: JSON.stringify({ orderId: "cli-1", value: 1, currency: "USD", phone: "+14155550100" }),
		});
		expect(after.status).toBe(401);
	});
});

describe("tapline usage", () => {
	it("should print help for every command", async () => {
		for (const command of [[], ["mint"], ["send"], ["stats"], ["export"], ["api-keys"]]) {
			const run = await tapline([...command, "--help"], { TAPLINE_API_KEY: undefined });
			expect(run.code).toBe(0);
			expect(run.stdout).toMatch(/^Usage: tapline/);
			expect(run.stdout).toContain("--key");
		}
	});

	it("should exit 2 with a clear message when no API key is set", async () => {
		const run = await tapline(["stats", "cmp_x"], { TAPLINE_API_KEY: undefined });
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("No API key: set TAPLINE_API_KEY (or pass --key).");
	});

	it("should print the API's error and exit 1 for a campaign it does not know", async () => {
		const run = await tapline(["stats", "cmp_nope"]);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain("The API answered 404 not_found: No campaign with that id in this workspace.");
	});

	it("should exit 2 for a missing required option", async () => {
		const run = await tapline(["mint", "--csv", "x.csv"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("--campaign is required");
	});
});
