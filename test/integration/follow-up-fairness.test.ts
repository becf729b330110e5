import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, runFollowUps, turnCost } from "../../src/follow-ups/run";
import { TAKE_TURNS_SQL } from "../../src/follow-ups/turn-queries";
import { countingEnv } from "../support/counting-env";
import { newWorkspace } from "../support/helpers";
import { capturingQueue } from "../support/queues";

const HOUR = 3_600_000;
const MINUTE = 60_000;
// The follow-up job's share of D1's 1,000 queries per invocation (the retention job and the sweep run in the same one).
const BUDGET = 500;
let seeded = 0;
const seededCampaigns: string[] = [];

// Each test's campaigns are switched off after it, so that the next test's runs see only their own work.
afterEach(async () => {
	await env.DB.prepare("UPDATE campaigns SET follow_up_enabled = 0 WHERE id IN (SELECT value FROM json_each(?1))")
		.bind(JSON.stringify(seededCampaigns.splice(0)))
		.run();
});

/**
 * Campaigns with a follow-up, each with `contacts[i]` contacts who tapped (as people) 25 hours before `now` and are
 * due their follow-up. Written straight to D1: hundreds of campaigns through the API would take minutes.
 */
async function seed(now: number, contacts: number[]) {
	const { id: workspaceId } = await newWorkspace("Fairness");
	const tag = `${++seeded}${crypto.randomUUID().slice(0, 6)}`;
	const campaigns = contacts.map((_, i) => `cmp_fair${tag}_${String(i).padStart(4, "0")}`);
	seededCampaigns.push(...campaigns);
	const rows = contacts.flatMap((n, i) =>
		Array.from({ length: n }, (_, j) => ({
			campaign: campaigns[i],
			contact: `ct_${tag}_${i}_${j}`,
			phone: `+1${String(2000000000 + i * 10_000 + j)}`,
			code: `f${tag}x${i}y${j}`,
			tapAt: now - 25 * HOUR - j,
		})),
	);
	await env.DB.prepare(
		`INSERT INTO campaigns (id, workspace_id, name, stage, destination_url, utm_source, utm_medium, utm_campaign,
		                        created_at, updated_at, follow_up_enabled, follow_up_message, follow_up_origin)
		 SELECT j.value, ?1, 'Fair', 'consideration', 'https://shop.example/', 'sms', 'sms', 'fair', ?2, ?2, 1,
		        'Still there? {link}', 'https://tapline.test'
		 FROM json_each(?3) AS j`,
	)
		.bind(workspaceId, now - 30 * HOUR, JSON.stringify(campaigns))
		.run();
	for (let i = 0; i < rows.length; i += 2000) {
		const chunk = JSON.stringify(rows.slice(i, i + 2000));
		await env.DB.batch([
			env.DB.prepare(
				`INSERT INTO contacts (id, workspace_id, phone, created_at)
				 SELECT j.value ->> '$.contact', ?1, j.value ->> '$.phone', ?2 FROM json_each(?3) AS j`,
			).bind(workspaceId, now - 30 * HOUR, chunk),
			env.DB.prepare(
				`INSERT INTO links (code, workspace_id, campaign_id, contact_id, kind, created_at, clicks, human_clicks,
				                    first_human_click_at, last_human_click_at)
				 SELECT j.value ->> '$.code', ?1, j.value ->> '$.campaign', j.value ->> '$.contact', 'campaign', ?2, 1, 1,
				        j.value ->> '$.tapAt', j.value ->> '$.tapAt'
				 FROM json_each(?3) AS j`,
			).bind(workspaceId, now - 30 * HOUR, chunk),
		]);
	}
	return campaigns;
}

/** Follow-up messages written per campaign, and the contacts texted more than once (none, ever). */
async function texted(campaigns: string[]) {
	const { results } = await env.DB.prepare(
		`SELECT campaign_id AS campaign, count(*) AS n, count(DISTINCT contact_id) AS contacts FROM messages
		 WHERE kind = 'followup' AND campaign_id IN (SELECT value FROM json_each(?1)) GROUP BY campaign_id`,
	)
		.bind(JSON.stringify(campaigns))
		.all<{ campaign: string; n: number; contacts: number }>();
	const per = new Map(results.map((r) => [r.campaign, r.n]));
	return { per: campaigns.map((c) => per.get(c) ?? 0), twice: results.filter((r) => r.n !== r.contacts) };
}

async function run(now: number, limits = DEFAULT_LIMITS) {
	const sends = capturingQueue<{ messageId: string }>();
	const counted = countingEnv({ ...env, SENDS: sends });
	const summary = await runFollowUps(counted.env, now, limits);
	return { summary, subrequests: counted.count(), queued: sends.bodies().map((b) => b.messageId) };
}

describe("the follow-up cron's share of work between campaigns", () => {
	it("should give every campaign with due follow-ups some in the first run, however backlogged the first is", async () => {
		const now = Date.now() + 100 * HOUR;
		// 20 campaigns (well under 200): the first by id has 900 contacts due, each of the others 2.
		const campaigns = await seed(now, [900, ...Array(19).fill(2)]);
		const limits = { ...DEFAULT_LIMITS, slice: 20, pageSize: 100, perRun: 300 };

		const first = await run(now, limits);
		const after1 = await texted(campaigns);
		// Every small campaign is served in full; the backlog gets its slice and what is left of the run's 300.
		expect(after1.per.slice(1)).toEqual(Array(19).fill(2));
		expect(after1.per[0]).toBe(300 - 38);
		expect(first.summary.considered).toBe(300);

		// The next run goes on with the backlog, from where the last stopped.
		const second = await run(now + 5 * MINUTE, limits);
		expect(second.summary.considered).toBe(300);
		const after2 = await texted(campaigns);
		expect(after2.per[0]).toBe(562);
		expect(after2.twice).toEqual([]);
		expect(new Set([...first.queued, ...second.queued]).size).toBe(600);
	});

	it("should stay within its subrequest budget with 500 campaigns with work, and reach each of them in turn", async () => {
		const now = Date.now() + 200 * HOUR;
		// 500 campaigns with one contact due each, and one with 1,500.
		const campaigns = await seed(now, [1500, ...Array(500).fill(1)]);
		const served = new Set<number>();
		let runs = 0;
		while (served.size < campaigns.length && runs < 20) {
			const result = await run(now + runs * 5 * MINUTE);
			runs++;
			// Under the job's budget, and so under D1's 1,000 queries per invocation with room for the other jobs.
			expect(result.subrequests).toBeLessThanOrEqual(BUDGET);
			expect(DEFAULT_LIMITS.subrequests).toBe(BUDGET);
			expect(result.summary.subrequests).toBe(result.subrequests);
			const { per } = await texted(campaigns);
			const before = served.size;
			per.forEach((n, i) => {
				if (n > 0) served.add(i);
			});
			// Each run serves at least as many campaigns as its budget allows at the dearest turn.
			if (served.size < campaigns.length) {
				expect(served.size - before).toBeGreaterThanOrEqual(Math.floor(BUDGET / turnCost(DEFAULT_LIMITS.slice)) - 1);
			}
		}
		expect(served.size).toBe(campaigns.length);
		expect(runs).toBeLessThanOrEqual(15);
		expect((await texted(campaigns)).twice).toEqual([]);
	}, 120_000);

	it("should never let overlapping or repeated runs pick the same contact twice", async () => {
		const now = Date.now() + 300 * HOUR;
		const campaigns = await seed(now, Array(30).fill(3));
		// Two runs of the same trigger at once (a repeated delivery), and the next trigger's run overlapping them.
		const runs = await Promise.all([run(now), run(now), run(now + 5 * MINUTE)]);
		const considered = runs.reduce((sum, r) => sum + r.summary.considered, 0);
		const queued = runs.flatMap((r) => r.queued);
		// Each contact decided by one run only, and queued once.
		expect(considered).toBe(90);
		expect(queued).toHaveLength(90);
		expect(new Set(queued).size).toBe(90);
		const { per, twice } = await texted(campaigns);
		expect(per).toEqual(Array(30).fill(3));
		expect(twice).toEqual([]);
		// A repeat afterwards, or a late run of an earlier trigger, finds nothing to do and takes no campaign.
		for (const at of [now, now - 5 * MINUTE, now + 5 * MINUTE]) {
			expect((await run(at)).summary).toMatchObject({ campaigns: 0, considered: 0, subrequests: 1 });
		}
	});

	it("should leave alone a campaign another run holds, and take it once the hold has run out", async () => {
		const now = Date.now() + 400 * HOUR;
		const [held, free] = await seed(now, [2, 2]);
		// A run that died holding `held` (its hold ends in five minutes of wall clock).
		const hold = (until: number) =>
			env.DB.prepare("UPDATE campaigns SET follow_up_busy_until = ?2 WHERE id = ?1").bind(held, until).run();
		await hold(Date.now() + 5 * MINUTE);
		const first = await run(now);
		expect(first.summary).toMatchObject({ campaigns: 1, considered: 2 });
		expect((await texted([held, free] as string[])).per).toEqual([0, 2]);

		await hold(Date.now() - 1);
		const second = await run(now + 5 * MINUTE);
		expect(second.summary).toMatchObject({ campaigns: 1, considered: 2 });
		expect((await texted([held, free] as string[])).per).toEqual([2, 2]);
		// Let go when done: nothing of this run still holds either campaign.
		const { results } = await env.DB.prepare("SELECT follow_up_busy_until AS busy FROM campaigns WHERE id IN (?1, ?2)")
			.bind(held, free)
			.all<{ busy: number | null }>();
		expect(results).toEqual([{ busy: null }, { busy: null }]);
	});
});

describe("taking turns", () => {
	it("should find the campaigns with work through indexes, never scanning links, follow-ups or contacts", async () => {
		const now = Date.now();
		const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${TAKE_TURNS_SQL}`)
			.bind(now, now, now + 1, 7 * 24 * HOUR, 10)
			.all<{ detail: string }>();
		const plan = results.map((r) => r.detail);
		// The rotation walks its own partial index in order (no sort) and stops at the limit; each campaign's work is
		// one index seek into the waiting follow-ups and one range of the tapped links.
		expect(plan).toContainEqual("SCAN c USING INDEX campaigns_follow_up_turns");
		expect(plan).toContainEqual(
			expect.stringMatching(/^SEARCH f USING COVERING INDEX follow_ups_waiting \(campaign_id=\?/),
		);
		expect(plan).toContainEqual(
			expect.stringMatching(
				/^SEARCH l USING INDEX links_by_first_human_tap \(campaign_id=\? AND first_human_click_at>\?/,
			),
		);
		expect(plan).toContainEqual(expect.stringMatching(/^SEARCH ct USING INDEX sqlite_autoindex_contacts_1 \(id=\?\)/));
		expect(plan.filter((line) => /^SCAN /.test(line))).toEqual(["SCAN c USING INDEX campaigns_follow_up_turns"]);
		expect(plan.join("\n")).not.toMatch(/TEMP B-TREE|clicks/);
	});
});
