import { classifyTap } from "./classify";
import type { TapEvent } from "./tap-event";
import { describeUserAgent } from "./user-agent";

/** A tap as stored: classified as human or bot, user agent parsed. */
export interface ClickRow {
	id: string;
	workspaceId: string;
	campaignId: string;
	linkCode: string;
	contactId: string | null;
	variant: string | null;
	clickedAt: number;
	human: 0 | 1;
	botReason: string | null;
	deviceType: string;
	os: string | null;
	browser: string | null;
	country: string | null;
	region: string | null;
	city: string | null;
	colo: string | null;
	referer: string | null;
	userAgent: string | null;
}

export function toClickRow(tap: TapEvent): ClickRow {
	const prefetch: Record<string, string> = tap.prefetch ?? {};
	const verdict = classifyTap({
		method: tap.method,
		userAgent: tap.userAgent,
		header: (name) => prefetch[name.toLowerCase()] ?? null,
	});
	const agent = describeUserAgent(tap.userAgent);
	return {
		id: tap.id,
		workspaceId: tap.workspaceId,
		campaignId: tap.campaignId,
		linkCode: tap.code,
		contactId: tap.contactId,
		variant: tap.variant,
		clickedAt: tap.at,
		human: verdict.human ? 1 : 0,
		botReason: verdict.reason,
		deviceType: agent.deviceType,
		os: agent.os,
		browser: agent.browser,
		country: tap.country,
		region: tap.region,
		city: tap.city,
		colo: tap.colo,
		referer: tap.referer,
		userAgent: tap.userAgent,
	};
}
