import { and, desc, eq } from "drizzle-orm";
import { database } from "../db/client";
import { newId } from "../db/ids";
import { type CampaignStage, campaigns } from "../db/schema";
import type { Utm } from "./destination";

export interface Campaign {
	id: string;
	name: string;
	stage: CampaignStage;
	destinationUrl: string;
	utm: Utm;
	createdAt: number;
	updatedAt: number;
}

export interface NewCampaign {
	name: string;
	stage: CampaignStage;
	destinationUrl: string;
	utm: Utm;
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
	const { workspaceId, ...campaign } = withUtm(row);
	return campaign;
}

/** The editable columns of a campaign: `withUtm` the other way round. */
function columnsOf(c: NewCampaign): Omit<CampaignRow, "id" | "workspaceId" | "createdAt" | "updatedAt"> {
	return {
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
	const row: CampaignRow = { id: newId("cmp"), workspaceId, ...columnsOf(input), createdAt: now, updatedAt: now };
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
	campaign: Campaign,
	now: number,
): Promise<Campaign> {
	await database(d1)
		.update(campaigns)
		.set({ ...columnsOf(campaign), updatedAt: now })
		.where(and(eq(campaigns.id, campaign.id), eq(campaigns.workspaceId, workspaceId)));
	return { ...campaign, updatedAt: now };
}
