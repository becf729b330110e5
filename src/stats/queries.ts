export interface StatRow {
	dimension: string;
	value: string;
	clicks: number;
	humanClicks: number;
	botClicks: number;
	uniqueHumans: number;
}

export async function readCampaignStats(
	d1: D1Database,
	campaignId: string,
): Promise<{ stats: StatRow[]; linksByVariant: { variant: string; links: number }[] }> {
	const [stats, links] = await d1.batch<StatRow | { variant: string; links: number }>([
		d1
			.prepare(
				`SELECT dimension, value, clicks, human_clicks AS humanClicks, bot_clicks AS botClicks,
				        unique_humans AS uniqueHumans
				 FROM campaign_stats WHERE campaign_id = ?1`,
			)
			.bind(campaignId),
		// Every link ever minted counts, deleted ones too: their taps stay in the click counts.
		d1
			.prepare(
				"SELECT coalesce(variant, '') AS variant, count(*) AS links FROM links WHERE campaign_id = ?1 GROUP BY variant",
			)
			.bind(campaignId),
	]);
	return {
		stats: (stats?.results ?? []) as StatRow[],
		linksByVariant: (links?.results ?? []) as { variant: string; links: number }[],
	};
}
