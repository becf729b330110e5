// Informational, with part 1 of `npm run bench`: the same bench entry under `wrangler dev`, with its proxies in front
// of workerd.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { phone } from "./minting.ts";
import { processTree } from "./proc.ts";
import { measure, type Scenario } from "./redirect.ts";
import { ADMIN_TOKEN, BIN, IPHONE, ROOT, ROUND_MS, WARM_CODES, WARMUP_MS } from "./settings.ts";
import { api, sleep, type Worker } from "./worker.ts";

export async function benchWranglerDev(tmp: string) {
	const persist = join(tmp, "dev");
	const wrangler = (args: string[]) =>
		spawn(join(BIN, "wrangler"), args, {
			cwd: ROOT,
			detached: true,
			stdio: "ignore",
			env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false" },
		});
	const apply = wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
	await new Promise((resolve) => apply.once("exit", resolve));
	const port = 20_000 + Math.floor(Math.random() * 20_000);
	const dev = wrangler([
		"dev",
		"bench/worker-entry.ts",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--inspector-port",
		String(port + 1),
		"--persist-to",
		persist,
		"--show-interactive-dev-session=false",
		"--var",
		`ADMIN_TOKEN:${ADMIN_TOKEN}`,
	]);
	try {
		const url = new URL(`http://127.0.0.1:${port}/`);
		for (let i = 0; ; i++) {
			const ok = await fetch(url).then(
				(r) => r.ok,
				() => false,
			);
			if (ok) break;
			if (i > 600) throw new Error("wrangler dev did not start");
			await sleep(100);
		}
		const worker = { url, port } as Worker;
		const { apiKey: key } = await api<{ apiKey: string }>(worker, "/api/v1/workspaces", ADMIN_TOKEN, { name: "Dev" });
		const { campaign } = await api<{ campaign: { id: string } }>(worker, "/api/v1/campaigns", key, {
			name: "Dev Sale",
			stage: "consideration",
			destinationUrl: "https://shop.example/sale?ref=sms",
		});
		const recipients = Array.from({ length: WARM_CODES }, (_, i) => ({ phone: phone(i) }));
		const { links } = await api<{ links: { code: string }[] }>(worker, `/api/v1/campaigns/${campaign.id}/links`, key, {
			recipients,
		});
		let i = 0;
		const pids = dev.pid ? processTree(dev.pid) : [];
		const scenarios: Scenario[] = [
			{ name: "bare", what: "", target: "worker", userAgent: IPHONE, taps: false, nextPath: () => "/__bench/bare" },
			{
				name: "warm",
				what: "",
				target: "worker",
				userAgent: IPHONE,
				taps: true,
				nextPath: () => `/${links[i++ % links.length]?.code}`,
			},
		];
		for (const sc of scenarios) await measure(port, pids, sc, WARMUP_MS);
		const [bare, warm] = [
			await measure(port, pids, scenarios[0] as Scenario, ROUND_MS),
			await measure(port, pids, scenarios[1] as Scenario, ROUND_MS),
		];
		return { bare, warm };
	} finally {
		if (dev.pid) process.kill(-dev.pid, "SIGTERM");
	}
}
