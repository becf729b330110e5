// Part 3 of `npm run bench`: the aggregator, fed through the real queue.
import { cpuSeconds } from "./proc.ts";
import { IPHONE, WHATSAPP } from "./settings.ts";
import { clickCount, consumer, consumerStats, sleep, type Worker } from "./worker.ts";

export async function benchAggregator(worker: Worker, codes: string[], campaignId: string) {
	const workspaceId =
		(
			await worker.db
				.prepare("SELECT workspace_id AS w FROM campaigns WHERE id = ?")
				.bind(campaignId)
				.first<{ w: string }>()
		)?.w ?? "";
	const EVENTS = 100_000;
	const TAPS_PER_MESSAGE = 100;
	const queue = await worker.mf.getQueueProducer("EVENTS");
	const at = Date.now();
	const messages = Array.from({ length: EVENTS / TAPS_PER_MESSAGE }, (_, m) => ({
		v: 1,
		type: "taps",
		taps: Array.from({ length: TAPS_PER_MESSAGE }, (_, t) => {
			const n = m * TAPS_PER_MESSAGE + t;
			return {
				id: `agg${String(n).padStart(17, "0")}`,
				at: at + n,
				code: codes[n % codes.length],
				workspaceId,
				campaignId,
				contactId: null as string | null,
				variant: n % 2 ? "A" : "B",
				method: "GET",
				userAgent: n % 10 === 0 ? WHATSAPP : IPHONE,
				prefetch: null,
				referer: null,
				country: "US",
				region: "New York",
				city: "New York",
				colo: "EWR",
			};
		}),
	}));
	const contactIds = await worker.db
		.prepare("SELECT code, contact_id AS contactId FROM links WHERE campaign_id = ?")
		.bind(campaignId)
		.all<{ code: string; contactId: string }>();
	const contactOf = new Map(contactIds.results.map((r) => [r.code, r.contactId]));
	for (const m of messages) for (const t of m.taps) t.contactId = contactOf.get(t.code ?? "") ?? null;

	const totals = async () =>
		await worker.db
			.prepare(
				"SELECT clicks, human_clicks AS human, bot_clicks AS bot, unique_humans AS uniqueHumans FROM campaign_stats WHERE campaign_id = ? AND dimension = 'total'",
			)
			.bind(campaignId)
			.first();
	// The messages are queued while the consumer is held, and timed from its release: sending them from Node through
	// Miniflare's proxy is slower than the consumer and is not what is measured.
	const deliverAll = async () => {
		await consumer(worker, "hold");
		const before = await consumerStats(worker);
		let t = performance.now();
		for (const m of messages) await queue.send(m, { contentType: "json" });
		const sendSeconds = (performance.now() - t) / 1000;
		const cpuBefore = cpuSeconds(worker.pids);
		t = performance.now();
		await consumer(worker, "release");
		let after = before;
		while (after.messages - before.messages < messages.length) {
			await sleep(50);
			after = await consumerStats(worker);
		}
		return {
			seconds: (performance.now() - t) / 1000,
			cpuSeconds: cpuSeconds(worker.pids) - cpuBefore,
			sendSeconds,
			batches: after.batches - before.batches,
			statements: after.d1Statements - before.d1Statements,
			d1Batches: after.d1Batches - before.d1Batches,
		};
	};
	const clicksBefore = await clickCount(worker);
	const first = await deliverAll();
	const clicksAfterFirst = await clickCount(worker);
	const totalsFirst = await totals();
	const again = await deliverAll();
	const clicksAfterAgain = await clickCount(worker);
	const totalsAgain = await totals();
	return {
		events: EVENTS,
		tapsPerMessage: TAPS_PER_MESSAGE,
		messages: messages.length,
		first,
		again,
		stored: clicksAfterFirst - clicksBefore,
		storedAgain: clicksAfterAgain - clicksAfterFirst,
		unchanged: JSON.stringify(totalsFirst) === JSON.stringify(totalsAgain),
		totals: totalsFirst,
	};
}
