import { and, desc, eq } from "drizzle-orm";
import { database } from "../db/client";
import { newId } from "../db/ids";
import { type CampaignStage, campaigns } from "../db/schema";
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

type CampaignRow = typeof campaigns.$inferSelect;

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
	await database(d1).insert(campaigns).values(row);
	return toCampaign(row);
}

/** A campaign of this workspace, or null: another workspace's campaign is indistinguishable from a missing one. */
export async function findCampaign(d1: D1Database, workspaceId: string, id: string): Promise<Campaign | null> {
	const row = await database(d1)
		.select()
		.from(campaigns)
		.where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, workspaceId)))
		.get();
	return row ? toCampaign(row) : null;
}

export async function listCampaigns(d1: D1Database, workspaceId: string, limit: number): Promise<Campaign[]> {
	const rows = await database(d1)
		.select()
		.from(campaigns)
		.where(eq(campaigns.workspaceId, workspaceId))
		.orderBy(desc(campaigns.createdAt))
		.limit(limit)
		.all();
	return rows.map(toCampaign);
}

export async function updateCampaign(
	d1: D1Database,
	workspaceId: string,
	campaign: Campaign & Pick<NewCampaign, "followUpOrigin">,
	now: number,
): Promise<Campaign> {
	await database(d1)
		.update(campaigns)
		.set({ ...columnsOf(campaign), updatedAt: now })
		.where(and(eq(campaigns.id, campaign.id), eq(campaigns.workspaceId, workspaceId)));
	const { followUpOrigin, ...updated } = campaign;
	return { ...updated, updatedAt: now };
}
