// What one run of `npm run bench` measured, as bench/report.ts turns it into bench/RESULTS.md.
import type { benchAggregator } from "./aggregator.ts";
import type { benchFollowUps } from "./follow-ups.ts";
import type { benchMinting } from "./minting.ts";
import type { benchRedirect } from "./redirect.ts";
import type { benchStartup } from "./startup.ts";
import type { benchWranglerDev } from "./wrangler-dev.ts";

/** What one run measured: the parts it ran, and nothing for the others (report.ts keeps their earlier figures). */
export type Report = {
	parts: string[];
	machine: string;
	date: string;
	versions: Record<string, string>;
	minting?: Awaited<ReturnType<typeof benchMinting>>;
	redirect?: Awaited<ReturnType<typeof benchRedirect>>;
	aggregator?: Awaited<ReturnType<typeof benchAggregator>>;
	followUps?: Awaited<ReturnType<typeof benchFollowUps>> & { seconds: number };
	wranglerDev?: Awaited<ReturnType<typeof benchWranglerDev>> | null;
	bundle?: Awaited<ReturnType<typeof benchStartup>>;
	settings: Record<string, number>;
	seconds: number;
};
