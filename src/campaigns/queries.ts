import { newId } from "../db/ids";
import type { CampaignStage } from "../db/schema";
import { all, first, query, type Rows, run } from "../db/sql";
import type { Utm } from "./destination";
import { DEFAULT_FOLLOW_UP, type FollowUpConfig } from "./follow-up-settings";

export interface Campaign {
	id: string;
	name: string;
	stage: CampaignStage;
	destinationUrl: string;
	utm: Utm;
	followUp: FollowUpConfig;
	createdAt: number;
	updatedAt: number;
}

export interface NewCampaign {
	name: string;
	stage: CampaignStage;
	destinationUrl: string;
	utm: Utm;
	followUp?: FollowUpConfig;
	/** Where follow-up links point when PUBLIC_URL is not set: the origin of the request that enabled them. */
	followUpOrigin?: string;
}

// The follow-up cron's own bookkeeping (its turns) is not part of a campaign as the API shows it.
type CampaignRow = Omit<Rows["campaigns"], "followUpTurnAt" | "followUpBusyUntil">;

export type UtmColumns = Pick<CampaignRow, "utmSource" | "utmMedium" | "utmCampaign" | "utmTerm" | "utmContent">;

/** Folds a row's five utm_* columns into one `utm` object. */
export function withUtm<Row extends UtmColumns>(row: Row): Omit<Row, keyof UtmColumns> & { utm: Utm } {
	const { utmSource, utmMedium, utmCampaign, utmTerm, utmContent, ...rest } = row;
	return {
		...rest,
		utm: { source: utmSource, medium: utmMedium, campaign: utmCampaign, term: utmTerm, content: utmContent },
	};
}

function toCampaign(row: CampaignRow): Campaign {
	const {
		workspaceId,
		followUpEnabled,
		followUpAfterHours,
		followUpWindowHours,
		followUpMessage,
		followUpVariant,
		followUpOrigin,
		followUpScannedUntil,
		...campaign
	} = withUtm(row);
	return {
		...campaign,
		followUp: {
			enabled: followUpEnabled === 1,
			afterHours: followUpAfterHours,
			windowHours: followUpWindowHours,
			message: followUpMessage,
			variant: followUpVariant,
		},
	};
}

/** The editable columns of a campaign: `toCampaign` the other way round. */
function columnsOf(c: NewCampaign): Omit<
	CampaignRow,
	"id" | "workspaceId" | "createdAt" | "updatedAt" | "followUpOrigin" | "followUpScannedUntil"
> & {
	followUpOrigin?: string;
} {
	const followUp = c.followUp ?? DEFAULT_FOLLOW_UP;
	return {
		followUpEnabled: followUp.enabled ? 1 : 0,
		followUpAfterHours: followUp.afterHours,
		followUpWindowHours: followUp.windowHours,
		followUpMessage: followUp.message,
		followUpVariant: followUp.variant,
		...(c.followUpOrigin ? { followUpOrigin: c.followUpOrigin } : {}),
		name: c.name,
		stage: c.stage,
		destinationUrl: c.destinationUrl,
		utmSource: c.utm.source,
		utmMedium: c.utm.medium,
		utmCampaign: c.utm.campaign,
		utmTerm: c.utm.term ?? null,
		utmContent: c.utm.content ?? null,
	};
}

const COLUMNS = `id, workspace_id AS workspaceId, name, stage, destination_url AS destinationUrl,
  utm_source AS utmSource, utm_medium AS utmMedium, utm_campaign AS utmCampaign, utm_term AS utmTerm,
  utm_content AS utmContent, created_at AS createdAt, updated_at AS updatedAt, follow_up_enabled AS followUpEnabled,
  follow_up_after_hours AS followUpAfterHours, follow_up_window_hours AS followUpWindowHours,
  follow_up_message AS followUpMessage, follow_up_variant AS followUpVariant, follow_up_origin AS followUpOrigin,
  follow_up_scanned_until AS followUpScannedUntil`;

// The editable columns in the order of ?3 to ?15 in INSERT_CAMPAIGN and UPDATE_CAMPAIGN.
const editable = (c: Omit<ReturnType<typeof columnsOf>, "followUpOrigin">) =>
	[
		c.name,
		c.stage,
		c.destinationUrl,
		c.utmSource,
		c.utmMedium,
		c.utmCampaign,
		c.utmTerm,
		c.utmContent,
		c.followUpEnabled,
		c.followUpAfterHours,
		c.followUpWindowHours,
		c.followUpMessage,
		c.followUpVariant,
	] as const;
type EditableParams = ReturnType<typeof editable>;

const INSERT_CAMPAIGN = query<
	never,
	[id: string, workspaceId: string, ...EditableParams, followUpOrigin: string | null, now: number]
>(
	`INSERT INTO campaigns (id, workspace_id, name, stage, destination_url, utm_source, utm_medium, utm_campaign,
	                        utm_term, utm_content, follow_up_enabled, follow_up_after_hours, follow_up_window_hours,
	                        follow_up_message, follow_up_variant, follow_up_origin, follow_up_scanned_until,
	                        created_at, updated_at)
	 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, NULL, ?17, ?17)`,
);

// A follow-up origin is set once it is known and kept while none is given.
const UPDATE_CAMPAIGN = query<
	never,
	[id: string, workspaceId: string, ...EditableParams, followUpOrigin: string | null, now: number]
>(
	`UPDATE campaigns SET name = ?3, stage = ?4, destination_url = ?5, utm_source = ?6, utm_medium = ?7,
	   utm_campaign = ?8, utm_term = ?9, utm_content = ?10, follow_up_enabled = ?11, follow_up_after_hours = ?12,
	   follow_up_window_hours = ?13, follow_up_message = ?14, follow_up_variant = ?15,
	   follow_up_origin = coalesce(?16, follow_up_origin), updated_at = ?17
	 WHERE id = ?1 AND workspace_id = ?2`,
);

const FIND_CAMPAIGN = query<CampaignRow, [id: string, workspaceId: string]>(
	`SELECT ${COLUMNS} FROM campaigns WHERE id = ?1 AND workspace_id = ?2`,
);

const LIST_CAMPAIGNS = query<CampaignRow, [workspaceId: string, limit: number]>(
	`SELECT ${COLUMNS} FROM campaigns WHERE workspace_id = ?1 ORDER BY created_at DESC LIMIT ?2`,
);

export async function createCampaign(
	d1: D1Database,
	workspaceId: string,
	input: NewCampaign,
	now: number,
): Promise<Campaign> {
	const row: CampaignRow = {
		id: newId("cmp"),
		workspaceId,
		followUpOrigin: null,
		followUpScannedUntil: null,
		...columnsOf(input),
		createdAt: now,
		updatedAt: now,
	};
	await run(INSERT_CAMPAIGN.bind(d1, row.id, workspaceId, ...editable(row), row.followUpOrigin, now));
	return toCampaign(row);
}

/** A campaign of this workspace, or null: another workspace's campaign is indistinguishable from a missing one. */
export async function findCampaign(d1: D1Database, workspaceId: string, id: string): Promise<Campaign | null> {
	const row = await first(FIND_CAMPAIGN.bind(d1, id, workspaceId));
	return row ? toCampaign(row) : null;
}

export async function listCampaigns(d1: D1Database, workspaceId: string, limit: number): Promise<Campaign[]> {
	return (await all(LIST_CAMPAIGNS.bind(d1, workspaceId, limit))).map(toCampaign);
}

export async function updateCampaign(
	d1: D1Database,
	workspaceId: string,
	campaign: Campaign & Pick<NewCampaign, "followUpOrigin">,
	now: number,
): Promise<Campaign> {
	const columns = columnsOf(campaign);
	await run(
		UPDATE_CAMPAIGN.bind(d1, campaign.id, workspaceId, ...editable(columns), columns.followUpOrigin ?? null, now),
	);
	const { followUpOrigin, ...updated } = campaign;
	return { ...updated, updatedAt: now };
}
