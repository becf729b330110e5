/** @jsxImportSource hono/jsx */
import type { CampaignSummary } from "../stats/campaign-summaries";
import { formatCount, formatMoney, formatRate, formatTime } from "./format";
import { Page } from "./layout";

export function campaignListPage(props: { campaigns: CampaignSummary[]; nextCursor: string | null; first: boolean }) {
	return (
		<Page title="Campaigns" signedIn={true}>
			<h1>Campaigns</h1>
			{props.campaigns.length === 0 ? (
				<div class="card">
					<p>
						No campaigns yet. Create one with <code>POST /api/v1/campaigns</code> (see the README), or fill a demo
						workspace with <code>npm run seed</code>.
					</p>
				</div>
			) : (
				<div class="card scroll">
					<table>
						<caption class="visually-hidden">Campaigns, newest first</caption>
						<thead>
							<tr>
								<th scope="col">Campaign</th>
								<th scope="col">Stage</th>
								<th scope="col" class="num">
									Sent
								</th>
								<th scope="col" class="num">
									Delivery rate
								</th>
								<th scope="col" class="num">
									Click-through
								</th>
								<th scope="col" class="num">
									Conversion
								</th>
								<th scope="col" class="num">
									Revenue
								</th>
							</tr>
						</thead>
						<tbody>
							{props.campaigns.map((c) => (
								<tr data-campaign={c.id}>
									<td>
										<a href={`/dashboard/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</a>
										<div class="muted small">{formatTime(c.createdAt)}</div>
									</td>
									<td>
										<span class="pill">{c.stage}</span>
									</td>
									<td class="num">{formatCount(c.sent)}</td>
									<td class="num">{formatRate(c.deliveryRate)}</td>
									<td class="num">{formatRate(c.clickThroughRate)}</td>
									<td class="num">{formatRate(c.conversionRate)}</td>
									<td class="num">{formatMoney(c.revenue)}</td>
								</tr>
							))}
						</tbody>
					</table>
					<p class="muted small">
						Click-through: people who tapped (bots and link previews left out) per recipient. Conversion: buyers per
						person who tapped, within the workspace's attribution window.
					</p>
				</div>
			)}
			<p class="actions">
				{props.first ? null : (
					<a class="button secondary" href="/dashboard">
						Newest campaigns
					</a>
				)}
				{props.nextCursor ? (
					<a class="button secondary" href={`/dashboard?cursor=${encodeURIComponent(props.nextCursor)}`}>
						Older campaigns
					</a>
				) : null}
			</p>
		</Page>
	);
}
