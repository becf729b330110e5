/** @jsxImportSource hono/jsx */
import type { Campaign } from "../campaigns/queries";
import type { Journey } from "../stats/journey";
import { formatCount, formatMoney, formatRate, formatTime } from "./format";
import { Kpi, Page } from "./layout";

/** Contacts who got at least as far as each stage, and the share of them who went on to the next. */
export function stageConversions(stages: Journey["stages"]): { reached: number; onward: number | null }[] {
	return stages.map((_, i) => {
		const reached = stages.slice(i).reduce((n, s) => n + s.contacts, 0);
		const next = stages.slice(i + 1).reduce((n, s) => n + s.contacts, 0);
		return { reached, onward: i + 1 < stages.length && reached > 0 ? next / reached : null };
	});
}

export function journeyPage(props: { journey: Journey; campaigns: Campaign[]; more: boolean }) {
	const conversions = stageConversions(props.journey.stages);
	return (
		<Page title="Journey" signedIn={true}>
			<h1>Customer journey</h1>
			<p class="muted">
				Campaigns grouped by the stage they speak to, and how far contacts have come: a human tap takes a contact to
				consideration, a purchase to purchase. Every contact of the workspace starts in awareness, including those not
				texted yet and those who opted out.
			</p>
			<ol class="stages" data-testid="stages">
				{props.journey.stages.map((s, i) => {
					const own = props.campaigns.filter((c) => c.stage === s.stage);
					const onward = conversions[i]?.onward ?? null;
					const next = props.journey.stages[i + 1];
					return (
						<li class="card" data-stage={s.stage}>
							<h2 style="text-transform:capitalize">{s.stage}</h2>
							<ul class="kpis">
								<Kpi label="Contacts here" value={formatCount(s.contacts)} />
								<Kpi label="Sent" value={formatCount(s.messages.sent)} />
								<Kpi label="Click-through" value={formatRate(s.links > 0 ? s.clicks.uniqueHumans / s.links : null)} />
								<Kpi label="Revenue" value={formatMoney(s.revenue)} />
								<Kpi label="Of which pixel-only" value={formatMoney(s.pixelOnly.revenue)} />
							</ul>
							{next ? (
								<p class="small" data-testid={`onward-${s.stage}`}>
									{formatRate(onward)} of the {formatCount(conversions[i]?.reached ?? 0)} contacts who reached {s.stage}{" "}
									went on to {next.stage}.
								</p>
							) : null}
							<h3>
								{formatCount(s.campaigns)} campaign{s.campaigns === 1 ? "" : "s"}
							</h3>
							<ul class="small">
								{own.map((c) => (
									<li>
										<a href={`/dashboard/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</a>{" "}
										<span class="muted">{formatTime(c.createdAt)}</span>
									</li>
								))}
							</ul>
						</li>
					);
				})}
			</ol>
			{props.more ? <p class="muted small">The lists show the newest {props.campaigns.length} campaigns.</p> : null}
			<section class="card">
				<h2>Not attributed</h2>
				<p class="small">
					{formatCount(props.journey.unattributed.orders)} orders ({formatMoney(props.journey.unattributed.revenue)})
					came with no tap to credit; {formatCount(props.journey.outsideWindow.orders)} (
					{formatMoney(props.journey.outsideWindow.revenue)}) came after the {props.journey.attributionWindowDays}-day
					attribution window.
				</p>
			</section>
		</Page>
	);
}
