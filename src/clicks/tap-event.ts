import { z } from "zod";
import { defineEnvelope } from "../queue/envelope";
import { PREFETCH_HEADERS, type PrefetchHints } from "./classify";

/**
 * What the edge knows about a tap, as sent on the queue. Classification and user-agent parsing happen in the
 * consumer, off the redirect's critical path, from the raw facts kept here.
 */
export const TapEvent = z.object({
	/** Click id minted at the edge; also the `tlid` on the destination URL. */
	id: z.string().min(8).max(64),
	at: z.number().int().nonnegative(),
	code: z.string().min(1).max(64),
	workspaceId: z.string().min(1),
	campaignId: z.string().min(1),
	contactId: z.string().nullable(),
	variant: z.string().nullable(),
	method: z.string().max(16),
	userAgent: z.string().max(1024).nullable(),
	/** Speculative-load headers (Sec-Purpose, Purpose, X-Purpose, X-Moz) that marked the request as a prefetch. */
	prefetch: z.partialRecord(z.enum(PREFETCH_HEADERS), z.string().max(256)).nullable(),
	referer: z.string().max(1024).nullable(),
	country: z.string().max(8).nullable(),
	region: z.string().max(128).nullable(),
	city: z.string().max(128).nullable(),
	colo: z.string().max(8).nullable(),
});
export type TapEvent = z.infer<typeof TapEvent>;

/** Taps on short links, on the events queue. An envelope carries a list so that several taps share one message. */
export const TapsEnvelope = defineEnvelope("taps", 1, { taps: z.array(TapEvent).min(1).max(500) });
export type TapsEnvelope = z.output<typeof TapsEnvelope.schema>;

function clip(value: string | null | undefined, max: number): string | null {
	if (value === null || value === undefined || value === "") return null;
	return value.length > max ? value.slice(0, max) : value;
}

export interface TappedLink {
	code: string;
	workspaceId: string;
	campaignId: string;
	contactId: string;
	variant: string | null;
}

export function describeTap(
	request: Request,
	link: TappedLink,
	id: string,
	at: number,
	prefetch: PrefetchHints | null,
): TapEvent {
	const headers = request.headers;
	const cf = request.cf as IncomingRequestCfProperties | undefined;
	return {
		id,
		at,
		code: link.code,
		workspaceId: link.workspaceId,
		campaignId: link.campaignId,
		contactId: link.contactId,
		variant: link.variant,
		method: request.method,
		userAgent: clip(headers.get("user-agent"), 1024),
		prefetch,
		referer: clip(headers.get("referer"), 1024),
		country: clip(cf?.country, 8),
		region: clip(cf?.region, 128),
		city: clip(cf?.city, 128),
		colo: clip(cf?.colo, 8),
	};
}
