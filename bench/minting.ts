// Part 2 of `npm run bench`: minting 100,000 links through the public API, then the same recipients again.
import { peakRss } from "./proc.ts";
import { ADMIN_TOKEN } from "./settings.ts";
import { api, type Worker } from "./worker.ts";

const RECIPIENTS = 100_000;
const PER_REQUEST = 10_000;

export function phone(i: number): string {
	// New York numbers +1 212 2xx xxxx: valid for libphonenumber and all distinct.
	return `+1212${String(2_000_000 + i)}`;
}

export async function benchMinting(worker: Worker) {
	const { apiKey: key } = await api<{ apiKey: string }>(worker, "/api/v1/workspaces", ADMIN_TOKEN, { name: "Bench" });
	const { campaign } = await api<{ campaign: { id: string } }>(worker, "/api/v1/campaigns", key, {
		name: "Bench Sale",
		stage: "consideration",
		destinationUrl: "https://shop.example/sale?ref=sms",
	});
	const mintAll = async () => {
		const codes: string[] = [];
		const t = performance.now();
		for (let from = 0; from < RECIPIENTS; from += PER_REQUEST) {
			const recipients = Array.from({ length: PER_REQUEST }, (_, i) => ({
				phone: phone(from + i),
				variant: (from + i) % 2 ? "A" : "B",
			}));
			const { links } = await api<{ links: { code: string }[] }>(
				worker,
				`/api/v1/campaigns/${campaign.id}/links`,
				key,
				{ recipients },
			);
			for (const link of links) codes.push(link.code);
		}
		return { codes, seconds: (performance.now() - t) / 1000 };
	};
	const first = await peakRss(worker.pids, mintAll);
	const again = await peakRss(worker.pids, mintAll);
	const same = first.result.codes.every((code, i) => again.result.codes[i] === code);
	const rows = await worker.db
		.prepare("SELECT count(*) AS n FROM links WHERE campaign_id = ?")
		.bind(campaign.id)
		.first<{ n: number }>();
	return { key, campaignId: campaign.id, codes: first.result.codes, first, again, same, linkRows: rows?.n ?? 0 };
}
