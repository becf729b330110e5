import { parseFollowUpTemplate } from "../campaigns/follow-up-settings";
import { config } from "../config";
import { newId } from "../db/ids";
import type { FollowUpReason } from "../db/schema";
import { MAX_CODE_ATTEMPTS, mintRetryingCollisions } from "../links/code-collisions";
import { newCode } from "../links/codes";
import { touchPending } from "../messages/queries";
import { queueSends, sendRequest } from "../messages/send-envelope";
import { countSegments } from "../sms-text/segments";
import { renderTemplate, type Template } from "../sms-text/template";
import { HOUR_MS, MINUTE_MS } from "../time";
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
	mintFollowUpLinks,
	newCandidatesQuery,
	readCandidates,
	recordDecisions,
} from "./queries";
import { meter } from "./subrequest-meter";
import { endTurn, releaseTurns, takeTurns } from "./turn-queries";

// A contact whose window closed is still looked at for this long, so that a cron that stopped for days records why
// they got no follow-up ("window_passed") instead of forgetting them.
const LOOK_BACK_MS = 7 * 24 * HOUR_MS;
// Taps reach the database through the events queue, whose retries take up to about half an hour: the scan mark
// never passes the end of a run's range (now − afterHours) less this, so a tap stored up to three hours after its
// follow-up fell due is still found.
const LATE_TAP_MS = 3 * HOUR_MS;
// How long (wall clock) a run holds the campaigns it took: far longer than a run takes (seconds). Should the run die,
// they are free again after this; should it outlast it, an overlapping run may read the same contacts, and the
// claim on each follow-up row still writes one message per contact.
const HOLD_MS = 10 * MINUTE_MS;
// Campaigns taken in one UPDATE, at most.
const TURNS_PER_TAKE = 50;

export interface FollowUpLimits {
	/** Contacts a campaign is given on its first turn of a run, before any campaign gets a second. */
	slice: number;
	/** Contacts read and decided on each later turn, given in rotation to the campaigns that have more. */
	pageSize: number;
	/** Contacts decided per run, over all campaigns; the rest wait for the next run. */
	perRun: number;
	/** D1 statements and queue calls the run may make (the invocation's limits are shared with the other jobs). */
	subrequests: number;
}

// D1 answers at most 1,000 queries per Worker invocation (counted here per statement, even inside a batch) and the
// cron's invocation also runs the retention job and the sweep (about 15): the follow-ups keep to half of it. A turn
// of 100 contacts costs at most 14 (turnCost), so a run serves at least 35 campaigns with work, about 45 at the
// usual cost of 10 (49 in the tests); the next run goes on with those served least recently. A campaign with nothing to do costs
// nothing: it is not taken.
export const DEFAULT_LIMITS: FollowUpLimits = { slice: 100, pageSize: 1000, perRun: 10_000, subrequests: 500 };

/**
 * The most D1 statements and queue calls one turn of `contacts` contacts makes: the two candidate reads, link
 * minting (two statements per round, up to MAX_CODE_ATTEMPTS rounds), the decisions and messages (one statement
 * per 1,000 decisions and per 250 drafts, and the read-back: follow-ups/queries.ts), one sendBatch per 100 sends,
 * the touch of the queued messages, and the end of the turn.
 */
export function turnCost(contacts: number): number {
	const n = Math.max(1, contacts);
	return 2 + 2 * MAX_CODE_ATTEMPTS + Math.ceil(n / 1000) + Math.ceil(n / 250) + 1 + Math.ceil(n / 100) + 1 + 1;
}

export interface FollowUpRunSummary {
	campaigns: number;
	considered: number;
	queued: number;
	waiting: Partial<Record<FollowUpReason, number>>;
	skipped: Partial<Record<FollowUpReason, number>>;
	/** D1 statements and queue calls the run made. */
	subrequests: number;
}

/**
 * The follow-up job, as of `now` (the cron's scheduled time). It takes campaigns with follow-up work in turns,
 * least recently served first: each gets a slice of contacts (the waiting ones whose time has come, then those
 * whose first human tap is old enough and not decided yet), and what is left of the run's budget goes round those
 * that have more, a page each. It decides each contact and queues one SMS per contact it decides to text. Runs may
 * be late, repeated or concurrent: a campaign's turn is taken once per scheduled time and by one run at a time,
 * contacts are selected by a time range, not an instant, and each follow-up is claimed by a unique row before it
 * is queued.
 */
export async function runFollowUps(
	env: Env,
	now: number,
	limits: FollowUpLimits = DEFAULT_LIMITS,
): Promise<FollowUpRunSummary> {
	const summary: FollowUpRunSummary = {
		campaigns: 0,
		considered: 0,
		queued: 0,
		waiting: {},
		skipped: {},
		subrequests: 0,
	};
	const { sms, publicUrl } = config(env);
	if (!sms.ok) {
		if ((await followUpCampaigns(env.DB)).length > 0) {
			console.error(
				JSON.stringify({ msg: "follow-ups not sent: SMS sending is not configured", problems: sms.problems }),
			);
		}
		return summary;
	}
	const metered = meter(env);
	const db = metered.env.DB;
	const holdUntil = Date.now() + HOLD_MS;
	// One statement is kept back to let go of the campaigns still held at the end.
	const left = () => limits.subrequests - metered.used() - 1;
	let contactsLeft = limits.perRun;
	const provider = sms.settings.provider;
	const held: string[] = [];
	const more: Turn[] = [];

	const serve = async (turn: Turn, limit: number) => {
		try {
			const served = await serveTurn(turn, limit, summary);
			contactsLeft -= served;
			if (served >= limit) more.push(turn);
		} catch (err) {
			// One campaign's failure (its next turn tries again) must not keep the others from their follow-ups.
			held.push(turn.job.campaign.id);
			console.error(
				JSON.stringify({
					msg: "follow-up run failed for a campaign",
					campaign: turn.job.campaign.id,
					error: String(err),
				}),
			);
		}
	};

	try {
		// First turns: every campaign with work gets its slice before any gets a second. Only as many are taken as the
		// budget can serve, so none loses its turn to one taken but never served.
		while (contactsLeft > 0) {
			const count = Math.min(
				TURNS_PER_TAKE,
				Math.floor((left() - 1) / turnCost(limits.slice)),
				Math.ceil(contactsLeft / limits.slice),
			);
			if (count <= 0) break;
			const taken = await takeTurns(db, { now, clock: Date.now(), holdUntil, lookBackMs: LOOK_BACK_MS, limit: count });
			for (const campaign of taken) {
				const origin = publicUrl ?? campaign.origin;
				const parsed = parseFollowUpTemplate(campaign.message);
				if (!origin || !parsed.ok) {
					held.push(campaign.id);
					console.error(
						JSON.stringify({ msg: "follow-up skipped: no link origin or invalid message", campaign: campaign.id }),
					);
					continue;
				}
				summary.campaigns++;
				const job: CampaignJob = {
					env: metered.env,
					campaign,
					template: parsed.template,
					origin: origin.replace(/\/+$/, ""),
					provider,
					// The outbox texts nobody, so, as for campaign sends, it holds nothing back for the night.
					quietHours: provider !== "outbox",
					now,
				};
				await serve(newTurn(job, holdUntil), Math.min(limits.slice, contactsLeft));
			}
			if (taken.length < count) break;
		}

		// Later turns: what is left of the budget goes round the campaigns that have more, a page each.
		while (more.length > 0 && contactsLeft > 0) {
			let limit = Math.min(limits.pageSize, contactsLeft);
			if (turnCost(limit) > left()) limit = Math.min(limits.slice, contactsLeft);
			if (turnCost(limit) > left()) break;
			await serve(more.shift() as Turn, limit);
		}
	} finally {
		// What the run still holds is let go at once (should this fail, the hold runs out by itself).
		held.push(...more.map((turn) => turn.job.campaign.id));
		if (held.length > 0) await releaseTurns(db, held, holdUntil).run();
	}
	summary.subrequests = metered.used();
	return summary;
}

/** A campaign being served by this run, and where its scan of new contacts stands. */
interface Turn {
	job: CampaignJob;
	holdUntil: number;
	/** The newest first tap to read (afterHours ago), and the oldest (the window and the look-back before it). */
	to: number;
	oldest: number;
	cursor: CandidateCursor;
}

function newTurn(job: CampaignJob, holdUntil: number): Turn {
	const { campaign, now } = job;
	const oldest = now - (campaign.afterHours + campaign.windowHours) * HOUR_MS - LOOK_BACK_MS;
	return {
		job,
		holdUntil,
		to: now - campaign.afterHours * HOUR_MS,
		oldest,
		cursor: { firstTapAt: Math.max(oldest, campaign.scannedUntil ?? 0), linkCode: "" },
	};
}

/**
 * One turn of a campaign: up to `limit` contacts, first those whose wait is over, then those not looked at yet,
 * decided as one page. Answers how many it decided; as many as `limit` means the campaign may have more.
 */
async function serveTurn(turn: Turn, limit: number, summary: FollowUpRunSummary): Promise<number> {
	const { env, campaign, now } = turn.job;
	const capFrom = now - campaign.frequencyCapHours * HOUR_MS;
	const due = await readCandidates(env.DB, dueCandidatesQuery({ campaignId: campaign.id, now, capFrom, limit }));
	const room = limit - due.length;
	let fresh: Candidate[] = [];
	let mark: number | null = null;
	if (room > 0) {
		fresh = await readCandidates(
			env.DB,
			newCandidatesQuery({
				campaignId: campaign.id,
				from: turn.oldest,
				to: turn.to,
				after: turn.cursor,
				capFrom,
				limit: room,
			}),
		);
		const last = fresh.at(-1);
		if (last) turn.cursor = { firstTapAt: last.firstTapAt, linkCode: last.linkCode };
		// Everyone before the cursor (or, when the scan went to the end, before `to`) is decided now, but for taps
		// that may still be on their way.
		mark = Math.min(fresh.length < room ? turn.to : turn.cursor.firstTapAt, turn.to - LATE_TAP_MS);
	}
	// Each decision moves a waiting contact on (a new retry time is always later than now), so turns never repeat.
	const page = [...due, ...fresh];
	if (page.length > 0) await decidePage(turn.job, page, summary);
	await endTurn(env.DB, campaign.id, { mark, release: page.length < limit, holdUntil: turn.holdUntil }).run();
	return page.length;
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
