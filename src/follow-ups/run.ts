import { parseFollowUpTemplate } from "../campaigns/follow-up-settings";
import { config } from "../config";
import { newId } from "../db/ids";
import type { FollowUpReason } from "../db/schema";
import { mintRetryingCollisions } from "../links/code-collisions";
import { newCode } from "../links/codes";
import { touchPending } from "../messages/queries";
import { queueSends, sendRequest } from "../messages/send-envelope";
import { countSegments } from "../sms-text/segments";
import { renderTemplate, type Template } from "../sms-text/template";
import { HOUR_MS } from "../time";
import { decide } from "./decide";
import {
	type Candidate,
	type CandidateCursor,
	type Decision,
	dueCandidatesQuery,
	type FollowUpCampaign,
	type FollowUpDraft,
	type FollowUpLink,
	followUpCampaigns,
	markScanned,
	mintFollowUpLinks,
	newCandidatesQuery,
	readCandidates,
	recordDecisions,
} from "./queries";

// A contact whose window closed is still looked at for this long, so that a cron that stopped for days records why
// they got no follow-up ("window_passed") instead of forgetting them.
const LOOK_BACK_MS = 7 * 24 * HOUR_MS;
// Taps reach the database through the events queue, whose retries take up to about half an hour: the scan mark
// never passes the end of a run's range (now − afterHours) less this, so a tap stored up to three hours after its
// follow-up fell due is still found.
const LATE_TAP_MS = 3 * HOUR_MS;

export interface FollowUpLimits {
	/** Contacts read and decided per page (one candidates query, one write batch). */
	pageSize: number;
	/** Contacts decided per run, over all campaigns; the rest wait for the next run. */
	perRun: number;
	/** Campaigns looked at per run; the next run goes on with the next ones. */
	campaignsPerRun: number;
}

// A run decides at most 10,000 contacts: 10 pages, each one read and two write batches, and up to 100 queue
// batches; 100,000 contacts due at once take ten or more runs of the five-minute cron. A campaign with nothing to
// do costs two reads and at most one write, so 200 campaigns and the pages stay under D1's 1,000 queries per
// invocation.
export const DEFAULT_LIMITS: FollowUpLimits = { pageSize: 1000, perRun: 10_000, campaignsPerRun: 200 };

// The shipped trigger's interval (wrangler.toml), for callers that do not know theirs.
const DEFAULT_INTERVAL_MS = 5 * 60_000;

export interface FollowUpRunSummary {
	campaigns: number;
	considered: number;
	queued: number;
	waiting: Partial<Record<FollowUpReason, number>>;
	skipped: Partial<Record<FollowUpReason, number>>;
}

/**
 * The follow-up job, as of `now` (the cron's scheduled time). For each campaign with a follow-up, it pages through
 * the contacts whose first human tap is old enough, decides each one, and queues one SMS per contact it decides to
 * text. Runs may be late, repeated or concurrent: contacts are selected by a time range, not an instant, and each
 * follow-up is claimed by a unique row before it is queued.
 */
export async function runFollowUps(
	env: Env,
	now: number,
	limits: FollowUpLimits = DEFAULT_LIMITS,
	/** How often the cron runs: it sets the pace of the rotation below, whose evenness is all that depends on it. */
	intervalMs = DEFAULT_INTERVAL_MS,
): Promise<FollowUpRunSummary> {
	const summary: FollowUpRunSummary = { campaigns: 0, considered: 0, queued: 0, waiting: {}, skipped: {} };
	const campaigns = await followUpCampaigns(env.DB);
	if (campaigns.length === 0) return summary;
	const { sms, publicUrl } = config(env);
	if (!sms.ok) {
		console.error(
			JSON.stringify({ msg: "follow-ups not sent: SMS sending is not configured", problems: sms.problems }),
		);
		return summary;
	}
	const provider = sms.settings.provider;
	// Each run starts where the last one's share of campaigns ended, so one large campaign cannot hold up the
	// others, and every campaign gets its turn however many there are.
	const share = Math.min(limits.campaignsPerRun, campaigns.length);
	const start = (Math.floor(now / intervalMs) * share) % campaigns.length;
	const ordered = [...campaigns.slice(start), ...campaigns.slice(0, start)].slice(0, share);
	let budget = limits.perRun;
	for (const campaign of ordered) {
		if (budget <= 0) break;
		const origin = publicUrl ?? campaign.origin;
		const parsed = parseFollowUpTemplate(campaign.message);
		if (!origin || !parsed.ok) {
			console.error(
				JSON.stringify({ msg: "follow-up skipped: no link origin or invalid message", campaign: campaign.id }),
			);
			continue;
		}
		try {
			summary.campaigns++;
			const job: CampaignJob = {
				env,
				campaign,
				template: parsed.template,
				origin: origin.replace(/\/+$/, ""),
				provider,
				// The outbox texts nobody, so, as for campaign sends, it holds nothing back for the night.
				quietHours: provider !== "outbox",
				now,
			};
			const capFrom = now - campaign.frequencyCapHours * HOUR_MS;
			// First the contacts whose wait is over, then the ones not looked at yet.
			while (budget > 0) {
				const limit = Math.min(limits.pageSize, budget);
				const page = await readCandidates(env.DB, dueCandidatesQuery({ campaignId: campaign.id, now, capFrom, limit }));
				budget -= page.length;
				// Each decision moves its contact on (a new retry time is always later than now), so pages never repeat.
				if (page.length > 0) await decidePage(job, page, summary);
				if (page.length < limit) break;
			}
			const to = now - campaign.afterHours * HOUR_MS;
			const oldest = now - (campaign.afterHours + campaign.windowHours) * HOUR_MS - LOOK_BACK_MS;
			let cursor: CandidateCursor = { firstTapAt: Math.max(oldest, campaign.scannedUntil ?? 0), linkCode: "" };
			let done = false;
			while (budget > 0) {
				const limit = Math.min(limits.pageSize, budget);
				const page = await readCandidates(
					env.DB,
					newCandidatesQuery({ campaignId: campaign.id, from: oldest, to, after: cursor, capFrom, limit }),
				);
				budget -= page.length;
				if (page.length > 0) await decidePage(job, page, summary);
				const last = page.at(-1);
				if (last) cursor = { firstTapAt: last.firstTapAt, linkCode: last.linkCode };
				if (page.length < limit) {
					done = true;
					break;
				}
			}
			// Everyone before the cursor (or, when the scan went to the end, before `to`) is decided now, but for taps that
			// may still be on their way.
			const mark = Math.min(done ? to : cursor.firstTapAt, to - LATE_TAP_MS);
			if (mark > (campaign.scannedUntil ?? Number.NEGATIVE_INFINITY))
				await markScanned(env.DB, campaign.id, mark).run();
		} catch (err) {
			// One campaign's failure (its next run tries again) must not keep the others from their follow-ups.
			console.error(
				JSON.stringify({ msg: "follow-up run failed for a campaign", campaign: campaign.id, error: String(err) }),
			);
		}
	}
	return summary;
}

interface CampaignJob {
	env: Env;
	campaign: FollowUpCampaign;
	template: Template;
	origin: string;
	provider: "twilio" | "outbox";
	quietHours: boolean;
	now: number;
}

async function decidePage(job: CampaignJob, page: Candidate[], summary: FollowUpRunSummary): Promise<void> {
	const { env, campaign, now } = job;
	const decisions: Decision[] = page.map((candidate) => ({
		contactId: candidate.contactId,
		linkCode: candidate.linkCode,
		firstTapAt: candidate.firstTapAt,
		messageId: null,
		...decide(candidate, campaign, now, job.quietHours),
	}));
	const toText = page.filter((_, i) => decisions[i]?.status === "sent");
	const { links, erased } = await followUpLinks(job, toText);
	const drafts: FollowUpDraft[] = [];
	decisions.forEach((decision, i) => {
		if (decision.status !== "sent") return;
		const candidate = page[i] as Candidate;
		// Erased since they were read: skipped as the erasure skips a follow-up, as an opt-out.
		if (erased.has(candidate.contactId)) {
			Object.assign(decision, { status: "skipped", reason: "opted_out", heldBy: null, retryAt: null });
			return;
		}
		const code = links.get(candidate.contactId);
		if (!code) throw new Error("follow-up link missing for a contact");
		const body = renderTemplate(job.template, {
			link: `${job.origin}/${code}`,
			externalId: candidate.externalId,
			phone: candidate.phone,
		});
		const { segments, encoding } = countSegments(body);
		decision.messageId = newId("msg");
		drafts.push({ id: decision.messageId, contactId: candidate.contactId, linkCode: code, body, segments, encoding });
	});

	const ours = await recordDecisions(env.DB, campaign, job.provider, decisions, drafts, now);
	// The messages were written as not queued yet (for the sweep, should this run stop here); once they are on the
	// queue they are marked so. A failure leaves them to the next run's sweep: sent once either way.
	try {
		await queueSends(
			env.SENDS,
			ours.map((id) => sendRequest(id)),
		);
		if (ours.length > 0) await touchPending(env.DB, ours, now).run();
	} catch (err) {
		console.error(JSON.stringify({ msg: "follow-up queueing failed", campaign: campaign.id, error: String(err) }));
	}

	summary.considered += page.length;
	summary.queued += ours.length;
	for (const d of decisions) {
		if (d.status === "sent" || !d.reason) continue;
		const counts = d.status === "waiting" ? summary.waiting : summary.skipped;
		counts[d.reason] = (counts[d.reason] ?? 0) + 1;
	}
}

/**
 * The follow-up link of each contact to text: minted now, or found from an earlier run that stopped midway; and
 * the contacts erased since they were read, who get none.
 */
async function followUpLinks(
	job: CampaignJob,
	contacts: Candidate[],
): Promise<{ links: Map<string, string>; erased: Set<string> }> {
	const links = new Map<string, string>();
	const erased = new Set<string>();
	const length = config(job.env).codeLength;
	await mintRetryingCollisions(
		contacts.map((c) => c.contactId),
		async (missing) => {
			const drafts: FollowUpLink[] = missing.map((contactId) => ({ contactId, code: newCode(length) }));
			for (const link of await mintFollowUpLinks(job.env.DB, job.campaign, drafts, job.now)) {
				if (link.erased) erased.add(link.contactId);
				else if (link.code) links.set(link.contactId, link.code);
			}
			// A contact still without a link lost its insert to a code collision.
			return missing.filter((id) => !links.has(id) && !erased.has(id));
		},
		(left) => `could not mint unique follow-up codes for ${left} contacts`,
	);
	return { links, erased };
}
