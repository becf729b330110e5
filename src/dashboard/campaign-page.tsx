/** @jsxImportSource hono/jsx */
import type { Campaign } from "../campaigns/queries";
import type { MessageRow } from "../messages/list-queries";
import type { CampaignReport } from "../stats/report";
import { compareArms, type Verdict } from "../stats/significance";
import { BarList, DailyChart, everyDay, FunnelChart, type FunnelStep } from "./charts";
import { formatCount, formatDuration, formatMoney, formatRate, formatTime } from "./format";
import { Kpi, Page } from "./layout";
import { MessageTable } from "./messages-page";

type VariantStats = CampaignReport["byVariant"][number];

const REASONS: Record<string, string> = {
	preview: "Link previews (iMessage, WhatsApp, Slack…)",
	scanner: "Security scanners",
	prefetch: "Browser prefetch",
	head: "HEAD requests",
	headless: "Headless browsers",
	crawler: "Crawlers",
	"no-user-agent": "No user agent",
};

const variantName = (v: string) => (v === "" ? "(none)" : v);

/**
 * The variants a marketer tests against each other: the follow-up's own links are not one of them, whether
 * follow-ups are on now or were once (the label stays in the campaign's settings).
 */
export function testedVariants(report: CampaignReport, campaign: Campaign): VariantStats[] {
	return report.byVariant.filter((v) => v.variant !== campaign.followUp.variant);
}

function funnelSteps(scope: {
	links: number;
	uniqueHumans: number;
	messages: CampaignReport["messages"];
	purchasers: number;
}): FunnelStep[] {
	// Links sent by another platform have no messages here: the funnel then starts at the links.
	if (scope.messages.total === 0) {
		return [
			{ key: "links", label: "Recipients", value: scope.links },
			{ key: "tapped", label: "Tapped", value: scope.uniqueHumans },
			{ key: "purchased", label: "Purchased", value: scope.purchasers },
		];
	}
	return [
		{ key: "sent", label: "Sent", value: scope.messages.sent },
		{ key: "delivered", label: "Delivered", value: scope.messages.delivered },
		{ key: "tapped", label: "Tapped", value: scope.messages.tapped },
		{ key: "purchased", label: "Purchased", value: scope.purchasers },
	];
}

function VerdictLine(props: { verdict: Verdict; testId: string }) {
	return (
		<p class={`verdict${props.verdict.kind === "winner" ? " winner" : ""}`} data-testid={props.testId} role="status">
			{props.verdict.message}
		</p>
	);
}

function Variants(props: { variants: VariantStats[] }) {
	const arms = (successes: (v: VariantStats) => number) =>
		props.variants.map((v) => ({ name: variantName(v.variant), trials: v.links, successes: successes(v) }));
	return (
		<section class="card" aria-labelledby="ab">
			<h2 id="ab">A/B variants</h2>
			<VerdictLine
				verdict={compareArms(
					arms((v) => v.uniqueHumans),
					"click-through",
				)}
				testId="verdict-clicks"
			/>
			<VerdictLine
				verdict={compareArms(
					arms((v) => v.purchases.purchasers),
					"purchases",
				)}
				testId="verdict-purchases"
			/>
			<div class="scroll">
				<table data-testid="variants">
					<thead>
						<tr>
							<th scope="col">Variant</th>
							<th scope="col" class="num">
								Recipients
							</th>
							<th scope="col" class="num">
								Delivered
							</th>
							<th scope="col" class="num">
								People who tapped
							</th>
							<th scope="col" class="num">
								Click-through
							</th>
							<th scope="col" class="num">
								Buyers
							</th>
							<th scope="col" class="num">
								Buyers per recipient
							</th>
							<th scope="col" class="num">
								Revenue
							</th>
						</tr>
					</thead>
					<tbody>
						{props.variants.map((v) => (
							<tr data-variant={v.variant}>
								<th scope="row">{variantName(v.variant)}</th>
								<td class="num">{formatCount(v.links)}</td>
								<td class="num">{formatCount(v.messages.delivered)}</td>
								<td class="num">{formatCount(v.uniqueHumans)}</td>
								<td class="num">{formatRate(v.clickThroughRate)}</td>
								<td class="num">{formatCount(v.purchases.purchasers)}</td>
								<td class="num">{formatRate(v.links > 0 ? v.purchases.purchasers / v.links : null)}</td>
								<td class="num">{formatMoney(v.purchases.revenue)}</td>
							</tr>
						))}
					</tbody>
				</table>
			</div>
			<p class="muted small">
				Two-proportion z-test of each variant against the leader, per recipient; with more than two variants the
				confidence holds for all comparisons together (Bonferroni).
			</p>
		</section>
	);
}

function OverTime(props: { report: CampaignReport; variant: string | null }) {
	const taps = everyDay(
		props.report.byDay.map((d) => ({ day: d.value, human: d.human, bot: d.bot })),
		(d) => d.day,
		(day) => ({ day, human: 0, bot: 0 }),
	);
	const buys = everyDay(
		props.report.purchases.byDay,
		(d) => d.day,
		(day) => ({ day, orders: 0, revenue: {} }),
	);
	return (
		<section class="card" aria-labelledby="time">
			<h2 id="time">Taps and purchases over time</h2>
			{props.variant !== null ? <p class="muted small">All variants together.</p> : null}
			<h3>Taps per day</h3>
			{taps.length === 0 ? (
				<p class="muted small">No taps yet.</p>
			) : (
				<DailyChart
					testId="taps-chart"
					label="Taps per day: people, then bots and previews"
					colors={["#2456d6", "#b3bcc8"]}
					series={taps.map((d) => ({
						day: d.day,
						values: [d.human, d.bot],
						title: `${d.day}: ${formatCount(d.human)} by people, ${formatCount(d.bot)} by bots and previews`,
					}))}
				/>
			)}
			<p class="small">
				<span style="color:#2456d6">■</span> people <span style="color:#b3bcc8">■</span> bots and link previews
			</p>
			<h3>Purchases per day</h3>
			{buys.length === 0 ? (
				<p class="muted small">No purchases yet.</p>
			) : (
				<DailyChart
					testId="purchases-chart"
					label="Attributed orders per day"
					colors={["#0f8a6a"]}
					series={buys.map((d) => ({
						day: d.day,
						values: [d.orders],
						title: `${d.day}: ${formatCount(d.orders)} orders, ${formatMoney(d.revenue)}`,
					}))}
				/>
			)}
			<details>
				<summary>The same as a table</summary>
				<div class="scroll">
					<table>
						<thead>
							<tr>
								<th scope="col">Day (UTC)</th>
								<th scope="col" class="num">
									Taps by people
								</th>
								<th scope="col" class="num">
									Taps by bots
								</th>
								<th scope="col" class="num">
									Orders
								</th>
								<th scope="col" class="num">
									Revenue
								</th>
							</tr>
						</thead>
						<tbody>
							{[...new Set([...taps.map((d) => d.day), ...buys.map((d) => d.day)])].sort().map((day) => {
								const t = taps.find((d) => d.day === day);
								const o = buys.find((d) => d.day === day);
								return (
									<tr>
										<td>{day}</td>
										<td class="num">{formatCount(t?.human ?? 0)}</td>
										<td class="num">{formatCount(t?.bot ?? 0)}</td>
										<td class="num">{formatCount(o?.orders ?? 0)}</td>
										<td class="num">{formatMoney(o?.revenue ?? {})}</td>
									</tr>
								);
							})}
						</tbody>
					</table>
				</div>
			</details>
		</section>
	);
}

function Audience(props: { report: CampaignReport; scoped: boolean }) {
	const rows = (list: CampaignReport["byDevice"]) =>
		list
			.filter((b) => b.human > 0)
			.slice(0, 8)
			.map((b) => ({ label: b.value || "Unknown", value: b.human }));
	return (
		<section class="card" aria-labelledby="audience">
			<h2 id="audience">Who tapped</h2>
			<p class="muted small">Taps by people{props.scoped ? ", all variants together" : ""}.</p>
			<div class="grid">
				<div>
					<h3>Device</h3>
					<BarList label="Human taps by device" rows={rows(props.report.byDevice)} />
				</div>
				<div>
					<h3>Operating system</h3>
					<BarList label="Human taps by operating system" rows={rows(props.report.byOs)} />
				</div>
				<div>
					<h3>Country</h3>
					<BarList label="Human taps by country" rows={rows(props.report.byCountry)} />
				</div>
			</div>
		</section>
	);
}

function Bots(props: { report: CampaignReport; scoped: boolean }) {
	const { clicks } = props.report;
	const reasons = Object.entries(props.report.byReason).map(([reason, n]) => ({
		label: REASONS[reason] ?? reason,
		value: n,
	}));
	return (
		<section class="card" aria-labelledby="bots">
			<h2 id="bots">Bots and link previews</h2>
			{props.scoped ? <p class="muted small">All variants together.</p> : null}
			<ul class="kpis">
				<Kpi label="Raw click-through" value={formatRate(props.report.rawClickThroughRate)} testId="raw-ctr" />
				<Kpi label="Human click-through" value={formatRate(props.report.clickThroughRate)} testId="human-ctr" />
				<Kpi label="All taps" value={formatCount(clicks.total)} testId="raw-taps" />
				<Kpi label="Taps by people" value={formatCount(clicks.human)} testId="human-taps" />
				<Kpi label="Taps by bots" value={formatCount(clicks.bot)} testId="bot-taps" />
			</ul>
			<p class="muted small">
				Counting every request, as a naive tracker does, {formatRate(props.report.rawClickThroughRate)} of recipients
				"clicked"; people really tapped for {formatRate(props.report.clickThroughRate)}. Link previews, scanners and
				crawlers are kept apart and never count as a click.
			</p>
			<BarList label="Bot taps by reason" rows={reasons} />
		</section>
	);
}

function FollowUps(props: { report: CampaignReport }) {
	const f = props.report.followUps;
	const waiting = Object.values(f.waiting).reduce((a, b) => a + b, 0);
	const skipped = Object.entries(f.skipped).map(([reason, n]) => `${reason.replace("_", " ")} ${formatCount(n)}`);
	return (
		<section class="card" aria-labelledby="follow-ups">
			<h2 id="follow-ups">Follow-ups</h2>
			<p class="muted small">
				{f.enabled ? "On" : "Off"}: a second SMS to people who tapped but did not buy within the set hours.
			</p>
			<ul class="kpis">
				<Kpi label="Eligible" value={formatCount(f.eligible)} />
				<Kpi label="Sent" value={formatCount(f.sent)} testId="follow-ups-sent" />
				<Kpi label="Waiting" value={formatCount(waiting)} />
				<Kpi label="Recovered revenue" value={formatMoney(f.purchases.revenue)} testId="recovered-revenue" />
			</ul>
			<FunnelChart
				testId="follow-up-funnel"
				caption="Follow-up funnel"
				steps={[
					{ key: "sent", label: "Sent", value: f.messages.sent },
					{ key: "delivered", label: "Delivered", value: f.messages.delivered },
					{ key: "tapped", label: "Tapped", value: f.tapped },
					{ key: "purchased", label: "Purchased", value: f.purchases.purchasers },
				]}
			/>
			<p class="small">Skipped: {skipped.join(" · ")}</p>
			<h3>Followed up vs held back</h3>
			<div class="scroll">
				<table>
					<thead>
						<tr>
							<th scope="col">Contacts</th>
							<th scope="col" class="num">
								Count
							</th>
							<th scope="col" class="num">
								Bought
							</th>
							<th scope="col" class="num">
								Revenue
							</th>
						</tr>
					</thead>
					<tbody>
						<tr>
							<th scope="row">Followed up</th>
							<td class="num">{formatCount(f.recovery.followedUp.contacts)}</td>
							<td class="num">{formatRate(f.recovery.followedUp.conversionRate)}</td>
							<td class="num">{formatMoney(f.recovery.followedUp.revenue)}</td>
						</tr>
						<tr>
							<th scope="row">Held back (quiet hours, cap)</th>
							<td class="num">{formatCount(f.recovery.heldBack.contacts)}</td>
							<td class="num">{formatRate(f.recovery.heldBack.conversionRate)}</td>
							<td class="num">{formatMoney(f.recovery.heldBack.revenue)}</td>
						</tr>
					</tbody>
				</table>
			</div>
			<p class="muted small">
				Purchases within {f.recovery.days} days of when the follow-up could first go. Observational, not a randomised
				holdout.
			</p>
		</section>
	);
}

export function campaignPage(props: {
	campaign: Campaign;
	report: CampaignReport;
	variant: string | null;
	recent: MessageRow[];
}) {
	const { campaign, report } = props;
	const base = `/dashboard/campaigns/${encodeURIComponent(campaign.id)}`;
	const variants = testedVariants(report, campaign);
	const selected = props.variant === null ? null : (variants.find((v) => v.variant === props.variant) ?? null);
	const scope = selected ?? { ...report, uniqueHumans: report.clicks.uniqueHumans };
	const exportLink = (what: string, format: string) => `${base}/export/${what}?format=${format}`;
	return (
		<Page title={campaign.name} signedIn={true}>
			<p class="small">
				<a href="/dashboard">← Campaigns</a>
			</p>
			<h1>
				{campaign.name} <span class="pill">{campaign.stage}</span>
			</h1>
			<p class="muted small">
				Created {formatTime(campaign.createdAt)} · attribution window {report.purchases.attributionWindowDays} days
			</p>
			{variants.length > 1 ? (
				<nav aria-label="Variant">
					<ul class="tabs">
						<li>
							<a href={base} aria-current={selected === null ? "page" : undefined}>
								All variants
							</a>
						</li>
						{variants.map((v) => (
							<li>
								<a
									href={`${base}?variant=${encodeURIComponent(v.variant)}`}
									aria-current={selected?.variant === v.variant ? "page" : undefined}
								>
									Variant {variantName(v.variant)}
								</a>
							</li>
						))}
					</ul>
				</nav>
			) : null}
			<ul class="kpis">
				<Kpi label="Sent" value={formatCount(scope.messages.sent)} testId="kpi-sent" />
				<Kpi label="Delivery rate" value={formatRate(scope.messages.deliveryRate)} testId="kpi-delivery" />
				<Kpi label="Click-through" value={formatRate(scope.clickThroughRate)} testId="kpi-ctr" />
				<Kpi label="Buyers" value={formatCount(scope.purchases.purchasers)} testId="kpi-buyers" />
				<Kpi label="Revenue" value={formatMoney(scope.purchases.revenue)} testId="kpi-revenue" />
				{/* The unsigned pixel's part of the revenue, shown apart from what the server API or Shopify confirmed. */}
				<Kpi
					label="Confirmed revenue"
					value={formatMoney(scope.purchases.confirmed.revenue)}
					testId="kpi-confirmed-revenue"
				/>
				<Kpi
					label="Pixel-only revenue"
					value={formatMoney(scope.purchases.pixelOnly.revenue)}
					testId="kpi-pixel-revenue"
				/>
				<Kpi
					label={`Delivery to first tap (median${selected ? ", all variants" : ""})`}
					value={formatDuration(report.messages.deliveryToFirstTapSeconds.median)}
				/>
			</ul>
			<div class="grid">
				<section class="card" aria-labelledby="funnel">
					<h2 id="funnel">Funnel{selected ? ` · variant ${variantName(selected.variant)}` : ""}</h2>
					<FunnelChart
						testId="funnel"
						caption={`Funnel${selected ? ` of variant ${variantName(selected.variant)}` : ""}`}
						steps={funnelSteps({ ...scope, purchasers: scope.purchases.purchasers })}
					/>
					<p class="muted small">
						Tapped: delivered messages whose recipient tapped (people only). Purchased: buyers within{" "}
						{report.purchases.attributionWindowDays} days of their tap.
					</p>
				</section>
				<OverTime report={report} variant={props.variant} />
			</div>
			{variants.length > 1 ? <Variants variants={variants} /> : null}
			<Audience report={report} scoped={selected !== null} />
			<Bots report={report} scoped={selected !== null} />
			{report.followUps.enabled || report.followUps.eligible > 0 ? <FollowUps report={report} /> : null}
			<section class="card" aria-labelledby="messages">
				<h2 id="messages">Latest messages</h2>
				<MessageTable messages={props.recent} />
				<p class="actions">
					<a class="button secondary" href={`${base}/messages`}>
						All messages
					</a>
				</p>
			</section>
			<section class="card" aria-labelledby="export">
				<h2 id="export">Export</h2>
				<p class="muted small">
					One row per recipient with their lifecycle, or one per tap, streamed. A file holds up to 1,000,000 rows; for a
					larger campaign, <code>tapline export</code> or the API's <code>X-Next-Cursor</code> continue where it stops.
				</p>
				<p class="actions">
					<a class="button" href={exportLink("recipients", "csv")} download>
						Recipients CSV
					</a>
					<a class="button secondary" href={exportLink("recipients", "ndjson")} download>
						Recipients NDJSON
					</a>
					<a class="button" href={exportLink("clicks", "csv")} download>
						Taps CSV
					</a>
					<a class="button secondary" href={exportLink("clicks", "ndjson")} download>
						Taps NDJSON
					</a>
				</p>
			</section>
		</Page>
	);
}
