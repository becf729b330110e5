import type { FollowUpReason } from "../db/schema";
import { all, type BoundQuery, batch, bindNamed, query, type Rows, type SqliteRow, type Statement } from "../db/sql";
import { countsAsPurchase } from "../purchases/attribution-sql";
import { DAY_MS } from "../time";

export type { BoundQuery };

/** A campaign with its follow-up switched on, and what the cron needs of its workspace. */
export interface FollowUpCampaign {
	id: Rows["campaigns"]["id"];
	workspaceId: Rows["campaigns"]["workspaceId"];
	afterHours: Rows["campaigns"]["followUpAfterHours"];
	windowHours: Rows["campaigns"]["followUpWindowHours"];
	/** Never null: campaigns without a message are not read. */
	message: NonNullable<Rows["campaigns"]["followUpMessage"]>;
	variant: Rows["campaigns"]["followUpVariant"];
	origin: Rows["campaigns"]["followUpOrigin"];
	frequencyCapHours: Rows["workspaces"]["frequencyCapHours"];
	/** Every contact whose first tap is before this has been decided; null: nothing scanned yet. */
	scannedUntil: Rows["campaigns"]["followUpScannedUntil"];
}

const FOLLOW_UP_CAMPAIGNS = query<FollowUpCampaign, []>(
	`SELECT c.id, c.workspace_id AS workspaceId, c.follow_up_after_hours AS afterHours,
			        c.follow_up_window_hours AS windowHours, c.follow_up_message AS message, c.follow_up_variant AS variant,
			        c.follow_up_origin AS origin, w.frequency_cap_hours AS frequencyCapHours,
			        c.follow_up_scanned_until AS scannedUntil
			 FROM campaigns c INDEXED BY campaigns_with_follow_ups
			 JOIN workspaces w ON w.id = c.workspace_id
			 WHERE c.follow_up_enabled = 1 AND c.follow_up_message IS NOT NULL
			 ORDER BY c.id`,
);

export async function followUpCampaigns(d1: D1Database): Promise<FollowUpCampaign[]> {
	return all(FOLLOW_UP_CAMPAIGNS.bind(d1));
}

/** A contact whose first human tap on the campaign's link falls in the range the cron looks at. */
export interface Candidate {
	linkCode: string;
	contactId: string;
	firstTapAt: number;
	phone: string;
	timezone: string | null;
	externalId: string | null;
	optedOut: boolean;
	purchased: boolean;
	/** When the contact's last Tapline SMS went out (or was queued), if within the cap; null: none. */
	lastMessageAt: number | null;
	/** The earlier decision that made the contact wait, if any. */
	waitingOn: FollowUpReason | null;
}

/** Where a page of new candidates starts: after this (first tap, code), in that order. */
export interface CandidateCursor {
	firstTapAt: number;
	linkCode: string;
}

// What the cron needs of a candidate. A purchase since the tap and the last SMS within the cap are one index seek
// each (purchases_by_contact, messages_by_contact_created); a message counts from when it was handed to the
// provider, else from when it was queued, and the index range reaches two days further back for sends that waited.
const CANDIDATE_COLUMNS = `
       l.code AS linkCode, l.contact_id AS contactId, l.first_human_click_at AS firstTapAt, c.phone, c.timezone,
       c.external_id AS externalId, c.opted_out_at IS NOT NULL AS optedOut,
       EXISTS (SELECT 1 FROM purchases p INDEXED BY purchases_by_contact
               WHERE p.contact_id = l.contact_id AND ${countsAsPurchase("p")} AND p.occurred_at >= l.first_human_click_at)
         AS purchased,
       (SELECT max(coalesce(m.submitted_at, m.created_at)) FROM messages m INDEXED BY messages_by_contact_created
        WHERE m.contact_id = l.contact_id AND m.created_at > ?capFrom - ${2 * DAY_MS} AND m.status <> 'canceled'
          AND coalesce(m.submitted_at, m.created_at) > ?capFrom) AS lastMessageAt`;

// Contacts not looked at yet: one range of links_by_first_human_tap (campaign, first tap, code), which holds only
// the campaign's own links that a person tapped, from the campaign's scan mark on. A contact with a follow_ups row
// is passed over before their contact row is read. Clicks are never read: the link keeps its first human tap.
export const NEW_CANDIDATES = `
SELECT ${CANDIDATE_COLUMNS}, NULL AS waitingOn
FROM links l INDEXED BY links_by_first_human_tap
LEFT JOIN follow_ups f ON f.campaign_id = l.campaign_id AND f.contact_id = l.contact_id
CROSS JOIN contacts c ON c.id = l.contact_id
WHERE l.campaign_id = ?campaign AND l.kind = 'campaign' AND l.deleted_at IS NULL AND l.first_human_click_at IS NOT NULL
  AND l.first_human_click_at BETWEEN ?from AND ?to
  AND (l.first_human_click_at > ?afterAt OR (l.first_human_click_at = ?afterAt AND l.code > ?afterCode))
  AND f.contact_id IS NULL AND c.erased_at IS NULL
ORDER BY l.first_human_click_at, l.code
LIMIT ?limit`;

// Contacts waiting whose time has come: one range of follow_ups_waiting (campaign, retry time). The link is the
// one they tapped, even if it was deactivated since (the follow-up brings a fresh one).
export const DUE_CANDIDATES = `
SELECT ${CANDIDATE_COLUMNS}, f.reason AS waitingOn
FROM follow_ups f INDEXED BY follow_ups_waiting
CROSS JOIN links l ON l.code = f.link_code
CROSS JOIN contacts c ON c.id = f.contact_id
WHERE f.campaign_id = ?campaign AND f.status = 'waiting' AND f.retry_at <= ?now
ORDER BY f.retry_at
LIMIT ?limit`;

export interface NewCandidates {
	campaignId: string;
	/** Oldest and newest first tap to look at. */
	from: number;
	to: number;
	after: CandidateCursor;
	/** Messages since this time count against the frequency cap. */
	capFrom: number;
	limit: number;
}

export interface DueCandidates {
	campaignId: string;
	now: number;
	capFrom: number;
	limit: number;
}

export function newCandidatesQuery(r: NewCandidates): BoundQuery {
	return bindNamed(NEW_CANDIDATES, {
		campaign: r.campaignId,
		from: r.from,
		to: r.to,
		afterAt: r.after.firstTapAt,
		afterCode: r.after.linkCode,
		capFrom: r.capFrom,
		limit: r.limit,
	});
}

export function dueCandidatesQuery(r: DueCandidates): BoundQuery {
	return bindNamed(DUE_CANDIDATES, { campaign: r.campaignId, now: r.now, capFrom: r.capFrom, limit: r.limit });
}

export async function readCandidates(d1: D1Database, { sql, params }: BoundQuery): Promise<Candidate[]> {
	const results = await all(query<SqliteRow<Candidate>>(sql).bind(d1, ...params));
	return results.map((r) => ({ ...r, optedOut: Boolean(r.optedOut), purchased: Boolean(r.purchased) }));
}

const MARK_SCANNED = query<never, [campaignId: string, until: number]>(
	"UPDATE campaigns SET follow_up_scanned_until = max(coalesce(follow_up_scanned_until, 0), ?2) WHERE id = ?1",
);

/** Every contact with a first tap before `until` has been decided: the next runs read new contacts from there. */
export function markScanned(d1: D1Database, campaignId: string, until: number): Statement<never> {
	return MARK_SCANNED.bind(d1, campaignId, until);
}

/** A follow-up link of a contact, as minted (or found). */
export type FollowUpLink = Pick<Rows["links"], "contactId" | "code">;

/** A contact's live follow-up link after minting: null when a code collided (draw again) or the contact is erased. */
export interface MintedFollowUpLink {
	contactId: Rows["contacts"]["id"];
	code: Rows["links"]["code"] | null;
	erased: boolean;
}

const INSERT_FOLLOW_UP_LINKS = query<
	never,
	[workspaceId: string, campaignId: string, variant: string, now: number, links: string]
>(
	`INSERT INTO links (code, workspace_id, campaign_id, contact_id, variant, kind, created_at)
	 SELECT j.value ->> '$.code', ?1, ?2, c.id, ?3, 'followup', ?4
	 FROM json_each(?5) AS j
	 CROSS JOIN contacts c ON c.id = j.value ->> '$.contactId'
	 WHERE c.erased_at IS NULL
	 ON CONFLICT DO NOTHING`,
);

const FOLLOW_UP_LINKS = query<SqliteRow<MintedFollowUpLink>, [campaignId: string, links: string]>(
	`SELECT c.id AS contactId, l.code, c.erased_at IS NOT NULL AS erased
	 FROM json_each(?2) AS j
	 CROSS JOIN contacts c ON c.id = j.value ->> '$.contactId'
	 LEFT JOIN links l ON l.campaign_id = ?1 AND l.contact_id = c.id AND l.kind = 'followup'
	   AND l.deleted_at IS NULL`,
);

/**
 * Inserts a follow-up link for each contact that has none and is not erased, and returns where each contact
 * stands. A code that collides with an existing one inserts nothing: that contact comes back without a code and
 * the caller draws again.
 */
export async function mintFollowUpLinks(
	d1: D1Database,
	campaign: Pick<FollowUpCampaign, "id" | "workspaceId" | "variant">,
	drafts: FollowUpLink[],
	now: number,
): Promise<MintedFollowUpLink[]> {
	if (drafts.length === 0) return [];
	const json = JSON.stringify(drafts);
	const [, found] = await batch(d1, [
		INSERT_FOLLOW_UP_LINKS.bind(d1, campaign.workspaceId, campaign.id, campaign.variant, now, json),
		FOLLOW_UP_LINKS.bind(d1, campaign.id, json),
	]);
	return found.results.map((r) => ({ ...r, erased: Boolean(r.erased) }));
}

/** The cron's decision about one contact. */
export interface Decision {
	contactId: string;
	linkCode: string;
	firstTapAt: number;
	status: "sent" | "waiting" | "skipped";
	reason: FollowUpReason | null;
	heldBy: FollowUpReason | null;
	retryAt: number | null;
	/** For "sent": the message drafted for the contact. */
	messageId: string | null;
}

/** A follow-up SMS drafted for a contact the cron decided to text. */
export interface FollowUpDraft {
	id: string;
	contactId: string;
	linkCode: string;
	body: string;
	segments: number;
	encoding: string;
}

// A decision replaces only a waiting one: a contact sent a follow-up, or skipped for good, stays so. A contact
// erased since they were read is skipped as an opt-out (as the erasure itself does), in the same transaction as the
// message it would otherwise get.
const RECORD_DECISIONS = query<never, [campaignId: string, workspaceId: string, now: number, decisions: string]>(`
INSERT INTO follow_ups (campaign_id, contact_id, workspace_id, link_code, first_tap_at, status, reason, held_by,
                        retry_at, message_id, created_at, updated_at)
SELECT ?1, c.id, ?2, j.value ->> '$.linkCode', j.value ->> '$.firstTapAt',
       iif(c.erased_at IS NULL, j.value ->> '$.status', 'skipped'),
       iif(c.erased_at IS NULL, j.value ->> '$.reason', 'opted_out'), j.value ->> '$.heldBy',
       iif(c.erased_at IS NULL, j.value ->> '$.retryAt', NULL), iif(c.erased_at IS NULL, j.value ->> '$.messageId', NULL),
       ?3, ?3
FROM json_each(?4) AS j
CROSS JOIN contacts c ON c.id = j.value ->> '$.contactId'
WHERE true
ON CONFLICT (campaign_id, contact_id) DO UPDATE SET
  status = excluded.status, reason = excluded.reason, held_by = excluded.held_by, retry_at = excluded.retry_at,
  message_id = excluded.message_id, updated_at = excluded.updated_at
WHERE follow_ups.status = 'waiting'`);

// The claim: a message only for the contacts whose follow-up row names this very draft, so of two runs deciding
// at once only the one that recorded its decision first writes a message; the unique (campaign, contact, kind)
// index stands behind that. The sender checks opt-outs, purchases, the cap and quiet hours again before it sends.
// updated_at 0 marks it not queued yet (the sweep queues such messages), until the run has queued it: a run cut
// short between this write and the queue loses nothing.
const INSERT_MESSAGES = query<
	never,
	[campaignId: string, workspaceId: string, variant: string, provider: string, now: number, drafts: string]
>(`
INSERT INTO messages (id, workspace_id, campaign_id, contact_id, link_code, variant, kind, provider, body, segments,
                      encoding, status, created_at, updated_at)
SELECT j.value ->> '$.id', ?2, ?1, f.contact_id, j.value ->> '$.linkCode', ?3, 'followup', ?4, j.value ->> '$.body',
       j.value ->> '$.segments', j.value ->> '$.encoding', 'pending', ?5, 0
FROM json_each(?6) AS j
CROSS JOIN follow_ups f ON f.campaign_id = ?1 AND f.contact_id = j.value ->> '$.contactId'
WHERE f.status = 'sent' AND f.message_id = j.value ->> '$.id'
ON CONFLICT DO NOTHING`);

const WRITTEN_MESSAGES = query<Pick<Rows["messages"], "id">, [ids: string, now: number]>(
	`SELECT m.id FROM json_each(?1) AS j CROSS JOIN messages m ON m.id = j.value
	 WHERE m.status = 'pending' AND m.created_at = ?2`,
);

const DECISION_CHUNK = 1000;
// A draft carries up to 1,600 characters of text: up to about 6 KB as JSON, and D1 takes about 2 MB per value.
const DRAFT_CHUNK = 250;

/**
 * Records the decisions and writes the drafted messages in one D1 batch (one transaction); returns the ids of the
 * messages this call wrote, the ones to queue.
 */
export async function recordDecisions(
	d1: D1Database,
	campaign: Pick<FollowUpCampaign, "id" | "workspaceId" | "variant">,
	provider: string,
	decisions: Decision[],
	drafts: FollowUpDraft[],
	now: number,
): Promise<string[]> {
	if (decisions.length === 0) return [];
	const statements: Statement<{ id: string }>[] = [];
	for (let i = 0; i < decisions.length; i += DECISION_CHUNK) {
		const chunk = JSON.stringify(decisions.slice(i, i + DECISION_CHUNK));
		statements.push(RECORD_DECISIONS.bind(d1, campaign.id, campaign.workspaceId, now, chunk));
	}
	for (let i = 0; i < drafts.length; i += DRAFT_CHUNK) {
		const chunk = JSON.stringify(drafts.slice(i, i + DRAFT_CHUNK));
		statements.push(
			INSERT_MESSAGES.bind(d1, campaign.id, campaign.workspaceId, campaign.variant, provider, now, chunk),
		);
	}
	statements.push(WRITTEN_MESSAGES.bind(d1, JSON.stringify(drafts.map((d) => d.id)), now));
	const results = await batch(d1, statements);
	return (results.at(-1)?.results ?? []).map((r) => r.id);
}
