// `npm run seed` as a developer runs it, into a throwaway state, then read back by a plain `wrangler dev` (the
// production Worker, as `npm run dev` starts it) through the API the dashboard reads.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startWranglerDev, stopWrangler, type Wrangler } from "../../src/demo/seed/wrangler.ts";
import { launchChromium } from "../browser/chromium.ts";

const NODE = join(ROOT, "node_modules", ".bin", "node");
const SEED_TIMEOUT_MS = 150_000;
const SHOTS = join(ROOT, "test-output", "dashboard");

interface Stats {
	campaign: { stage: string };
	clicks: { human: number; bot: number };
	byReason: Record<string, number>;
	byDay: { value: string; human: number }[];
	byCountry: { value: string }[];
	messages: { sent: number; delivered: number; undelivered: number; failed: number; tapped: number };
	purchases: { orders: number; purchasers: number; revenue: Record<string, number> };
	followUps: { sent: number; tapped: number };
}

let persistDir = "";
let seedOutput = "";
let seedCode: number | null = null;
let worker: Wrangler | undefined;
let workerUrl = "";
let apiKey = "";

async function api<T>(path: string): Promise<T> {
	const res = await fetch(`${workerUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
	expect(res.status, await res.clone().text()).toBe(200);
	return (await res.json()) as T;
}

beforeAll(async () => {
	persistDir = await mkdtemp(join(tmpdir(), "tapline-seed-"));
	const child = spawn(
		NODE,
		["--no-warnings", "src/demo/seed/main.ts", "--recipients", "240", "--persist-to", persistDir, "--seed", "7"],
		{ cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
	);
	child.stdout.on("data", (chunk: Buffer) => {
		seedOutput += chunk.toString("utf8");
	});
	child.stderr.on("data", (chunk: Buffer) => {
		seedOutput += chunk.toString("utf8");
	});
	seedCode = await new Promise<number | null>((resolve) => child.once("close", resolve));
	if (seedCode !== 0) return;
	apiKey = JSON.parse(await readFile(join(persistDir, "demo-seed.json"), "utf8")).apiKey;

	({ url: workerUrl, worker } = await startWranglerDev({
		persistTo: persistDir,
		vars: () => ({ ADMIN_TOKEN: "seed-test", SESSION_SECRET: "seed-test-session-secret" }),
	}));
}, SEED_TIMEOUT_MS);

afterAll(async () => {
	if (worker) await stopWrangler(worker);
	await rm(persistDir, { recursive: true, force: true });
});

describe("npm run seed", () => {
	it("should fill a demo workspace that the plain Worker then serves", async () => {
		expect(seedCode, seedOutput).toBe(0);
		expect(seedOutput).toContain("Open http://localhost:8787/dashboard after");
		expect(seedOutput).toContain(apiKey);

		const { campaigns } = await api<{ campaigns: { id: string; stage: string }[] }>("/campaigns");
		expect(campaigns.map((c) => c.stage).sort()).toEqual(["awareness", "consideration", "purchase", "retention"]);
		const all = await Promise.all(campaigns.map((c) => api<Stats>(`/campaigns/${c.id}/stats`)));
		const sum = (f: (s: Stats) => number) => all.reduce((n, s) => n + f(s), 0);

		expect(sum((s) => s.messages.delivered)).toBeGreaterThan(200);
		expect(sum((s) => s.messages.undelivered + s.messages.failed)).toBeGreaterThan(0);
		expect(sum((s) => s.clicks.human)).toBeGreaterThan(0);
		expect(sum((s) => s.clicks.bot)).toBeGreaterThan(0);
		expect(all.some((s) => (s.byReason.preview ?? 0) > 0)).toBe(true);
		expect(new Set(all.flatMap((s) => s.byCountry.map((c) => c.value))).has("US")).toBe(true);
		// Taps over the past weeks, not all on the day the seed ran.
		const days = new Set(all.flatMap((s) => s.byDay.filter((d) => d.human > 0).map((d) => d.value)));
		expect(days.size).toBeGreaterThan(3);
		expect(sum((s) => s.purchases.orders)).toBeGreaterThan(0);
		expect(all.some((s) => Object.values(s.purchases.revenue).some((v) => v > 0))).toBe(true);
		expect(sum((s) => s.followUps.sent)).toBeGreaterThan(0);

		const journey = await api<{ stages: { stage: string; campaigns: number }[] }>("/journey");
		expect(journey.stages.map((s) => s.campaigns)).toEqual([1, 1, 1, 1]);
	});

	it("should show the seeded A/B campaign on the dashboard with the API's numbers", async () => {
		expect(seedCode, seedOutput).toBe(0);
		const { campaigns } = await api<{ campaigns: { id: string; stage: string }[] }>("/campaigns");
		const ab = campaigns.find((c) => c.stage === "consideration");
		const stats = await api<Stats>(`/campaigns/${ab?.id}/stats`);
		const browser = await launchChromium();
		try {
			const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
			await page.goto(`${workerUrl}/dashboard`);
			await page.getByLabel("API key").fill(apiKey);
			await page.getByRole("button", { name: "Sign in" }).click();
			await page.waitForURL(`${workerUrl}/dashboard`);
			expect(await page.locator("tr[data-campaign]").count()).toBe(4);
			await page.locator(`tr[data-campaign="${ab?.id}"] a`).click();
			await page.waitForURL(`${workerUrl}/dashboard/campaigns/${ab?.id}`);
			const steps = await page.$$eval("[data-testid=funnel] [data-step]", (groups) =>
				Object.fromEntries(groups.map((g) => [g.getAttribute("data-step"), Number(g.getAttribute("data-value"))])),
			);
			expect(steps).toEqual({
				sent: stats.messages.sent,
				delivered: stats.messages.delivered,
				tapped: stats.messages.tapped,
				purchased: stats.purchases.purchasers,
			});
			expect(await page.getByRole("link", { name: "Variant B" }).count()).toBe(1);
			await mkdir(SHOTS, { recursive: true });
			await page.screenshot({ path: join(SHOTS, "seeded-campaign.png"), fullPage: true });
		} finally {
			await browser.close();
		}
	});

	it("should refuse to seed a state that a running Worker holds open", async () => {
		expect(seedCode, seedOutput).toBe(0);
		// The seed finds who holds the database through /proc; elsewhere it only warns.
		if (process.platform !== "linux") return;
		// The plain wrangler dev above has the demo's database open.
		const child = spawn(NODE, ["--no-warnings", "src/demo/seed/main.ts", "--persist-to", persistDir], {
			cwd: ROOT,
			stdio: ["ignore", "pipe", "pipe"],
		});
		let stderr = "";
		child.stderr.on("data", (chunk: Buffer) => {
			stderr += chunk.toString("utf8");
		});
		const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
		expect(code).toBe(1);
		expect(stderr).toContain("refusing to seed");
	});
});
