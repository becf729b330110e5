import type { Utm } from "../campaigns/destination";
import { type UtmColumns, withUtm } from "../campaigns/queries";
import { batch, first, query, type Rows, run } from "../db/sql";

/** One recipient ready to be written: phone already E.164, code freshly generated (kept only if the link is new). */
export interface LinkDraft {
	phone: string;
	code: string;
	contactId: string;
	externalId: string | null;
	timezone: string | null;
	variant: string | null;
	/** The keyed hash of the phone (src/consent/suppression.ts); null when SUPPRESSION_SECRET is unset. */
	phoneHash: string | null;
}

export type MintedRow = Pick<Rows["contacts"], "phone"> & Pick<Rows["links"], "code" | "contactId" | "variant">;

// The drafts travel as one JSON parameter and are unpacked with json_each: D1 allows 100 bound parameters per
// statement, and one parameter per chunk keeps a 10,000-recipient request to a few statements in one batch.
// A contact created for a phone on the workspace's suppression list (an opted-out contact of that number was
// erased) is created opted out; a contact met again gets its phone hash if it had none.
const UPSERT_CONTACTS = query<never, [workspaceId: string, now: number, drafts: string]>(`
INSERT INTO contacts (id, workspace_id, phone, external_id, timezone, created_at, phone_hash, opted_out_at)
SELECT json_extract(j.value, '$.contactId'), ?1, json_extract(j.value, '$.phone'),
       json_extract(j.value, '$.externalId'), json_extract(j.value, '$.timezone'), ?2,
       json_extract(j.value, '$.phoneHash'),
       iif(EXISTS (SELECT 1 FROM suppressions s
                   WHERE s.workspace_id = ?1 AND s.phone_hash = json_extract(j.value, '$.phoneHash')), ?2, NULL)
FROM json_each(?3) AS j WHERE true
ON CONFLICT (workspace_id, phone) DO UPDATE SET
  external_id = coalesce(excluded.external_id, contacts.external_id),
  timezone = coalesce(excluded.timezone, contacts.timezone),
  phone_hash = coalesce(contacts.phone_hash, excluded.phone_hash)
WHERE coalesce(excluded.external_id, contacts.external_id) IS NOT contacts.external_id
   OR coalesce(excluded.timezone, contacts.timezone) IS NOT contacts.timezone
   OR (contacts.phone_hash IS NULL AND excluded.phone_hash IS NOT NULL)`);

// The contact's profile says why it came back opted out. Only rows this batch created match (their id is the
// draft's fresh one), and the event's id is derived from the contact's, so a retry records it once.
const RECORD_SUPPRESSED = query<never, [now: number, drafts: string]>(`
INSERT INTO consent_events (id, workspace_id, contact_id, kind, source, detail, source_id, at)
SELECT 'cev_' || c.id, c.workspace_id, c.id, 'opt_out', 'suppression', 'erased earlier while opted out',
       'suppression:' || c.id, ?1
FROM json_each(?2) AS j
CROSS JOIN contacts c ON c.id = json_extract(j.value, '$.contactId')
WHERE c.created_at = ?1 AND c.opted_out_at = ?1
ON CONFLICT DO NOTHING`);

const SUPPRESSES_ANY = query<{ any: number }, [workspaceId: string]>(
	"SELECT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = ?1) AS any",
);

/** Whether the workspace has any suppressed phone (minting without SUPPRESSION_SECRET could not tell which). */
export async function suppressesAny(d1: D1Database, workspaceId: string): Promise<boolean> {
	return Boolean((await first(SUPPRESSES_ANY.bind(d1, workspaceId)))?.any);
}

// ON CONFLICT DO NOTHING covers both the live (campaign, contact) link, which makes re-minting return the existing
// link, and the astronomically rare code collision, which the caller detects and retries with a new code.
const INSERT_LINKS = query<never, [workspaceId: string, campaignId: string, now: number, drafts: string]>(`
INSERT INTO links (code, workspace_id, campaign_id, contact_id, variant, created_at)
SELECT json_extract(j.value, '$.code'), ?1, ?2, c.id, json_extract(j.value, '$.variant'), ?3
FROM json_each(?4) AS j
CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = json_extract(j.value, '$.phone')
WHERE true
ON CONFLICT DO NOTHING`);

const SELECT_LINKS = query<MintedRow, [workspaceId: string, campaignId: string, drafts: string]>(`
SELECT c.phone AS phone, l.code AS code, l.contact_id AS contactId, l.variant AS variant
FROM json_each(?3) AS j
CROSS JOIN contacts c ON c.workspace_id = ?1 AND c.phone = json_extract(j.value, '$.phone')
CROSS JOIN links l ON l.campaign_id = ?2 AND l.contact_id = c.id AND l.kind = 'campaign' AND l.deleted_at IS NULL`);

const CHUNK = 1000;

// CROSS JOIN pins json_each as the outer loop: left to itself the planner may scan the JSON once per contact row,
// which made a 10,000-recipient request quadratic.

/**
 * Upserts the contacts and inserts their links in one D1 batch (one transaction), then returns the live link of
 * every drafted phone: the new one, or the one minted earlier for the same (campaign, phone).
 */
export async function mintLinkRows(
	d1: D1Database,
	workspaceId: string,
	campaignId: string,
	drafts: LinkDraft[],
	now: number,
): Promise<MintedRow[]> {
	const chunks: string[] = [];
	for (let i = 0; i < drafts.length; i += CHUNK) chunks.push(JSON.stringify(drafts.slice(i, i + CHUNK)));
	const results = await batch(
		d1,
		chunks.flatMap((json) => [
			UPSERT_CONTACTS.bind(d1, workspaceId, now, json),
			RECORD_SUPPRESSED.bind(d1, now, json),
			INSERT_LINKS.bind(d1, workspaceId, campaignId, now, json),
			SELECT_LINKS.bind(d1, workspaceId, campaignId, json),
		]),
	);
	return results.filter((_, i) => i % 4 === 3).flatMap((r) => r.results);
}

type LinkDetailsRow = Pick<
	Rows["links"],
	| "code"
	| "campaignId"
	| "contactId"
	| "variant"
	| "createdAt"
	| "clicks"
	| "humanClicks"
	| "botClicks"
	| "firstHumanClickAt"
	| "lastHumanClickAt"
> &
	Pick<Rows["contacts"], "phone"> &
	Pick<Rows["campaigns"], "destinationUrl"> &
	UtmColumns;

/** A link with its campaign's destination and UTM values, and its click counters. */
export type LinkDetails = Omit<LinkDetailsRow, keyof UtmColumns> & { utm: Utm };

const FIND_LINK = query<LinkDetailsRow, [code: string, workspaceId: string]>(
	`SELECT l.code, l.campaign_id AS campaignId, l.contact_id AS contactId, ct.phone, l.variant,
	        l.created_at AS createdAt, c.destination_url AS destinationUrl,
	        c.utm_source AS utmSource, c.utm_medium AS utmMedium, c.utm_campaign AS utmCampaign,
	        c.utm_term AS utmTerm, c.utm_content AS utmContent,
	        l.clicks, l.human_clicks AS humanClicks, l.bot_clicks AS botClicks,
	        l.first_human_click_at AS firstHumanClickAt, l.last_human_click_at AS lastHumanClickAt
	 FROM links l
	 JOIN campaigns c ON c.id = l.campaign_id
	 JOIN contacts ct ON ct.id = l.contact_id
	 WHERE l.code = ?1 AND l.workspace_id = ?2 AND l.deleted_at IS NULL`,
);

export async function findLink(d1: D1Database, workspaceId: string, code: string): Promise<LinkDetails | null> {
	const row = await first(FIND_LINK.bind(d1, code, workspaceId));
	return row ? withUtm(row) : null;
}

const DELETE_LINK = query<never, [code: string, workspaceId: string, now: number]>(
	"UPDATE links SET deleted_at = ?3 WHERE code = ?1 AND workspace_id = ?2 AND deleted_at IS NULL",
);

/** Soft-deletes a link: its code stops redirecting, its clicks stay in the stats. */
export async function deleteLink(d1: D1Database, workspaceId: string, code: string, now: number): Promise<boolean> {
	return (await run(DELETE_LINK.bind(d1, code, workspaceId, now))) > 0;
}

type RedirectRow = Pick<Rows["links"], "code" | "workspaceId" | "campaignId" | "contactId" | "variant"> &
	Pick<Rows["campaigns"], "destinationUrl"> &
	UtmColumns;

/** What the redirect needs to know about a live code. */
export type RedirectTarget = Omit<RedirectRow, keyof UtmColumns> & { utm: Utm };

const FIND_REDIRECT_TARGET = query<RedirectRow, [code: string]>(
	`SELECT l.code, l.workspace_id AS workspaceId, l.campaign_id AS campaignId, l.contact_id AS contactId,
	        l.variant, c.destination_url AS destinationUrl, c.utm_source AS utmSource,
	        c.utm_medium AS utmMedium, c.utm_campaign AS utmCampaign, c.utm_term AS utmTerm,
	        c.utm_content AS utmContent
	 FROM links l JOIN campaigns c ON c.id = l.campaign_id
	 WHERE l.code = ?1 AND l.deleted_at IS NULL`,
);

export async function findRedirectTarget(d1: D1Database, code: string): Promise<RedirectTarget | null> {
	const row = await first(FIND_REDIRECT_TARGET.bind(d1, code));
	return row ? withUtm(row) : null;
}
