/** @jsxImportSource hono/jsx */
// Charts drawn on the server as SVG: no script, readable by screen readers through their labels and data tables.
import { DAY_MS } from "../time";
import { formatCount, formatDay, formatRate } from "./format";

export interface FunnelStep {
	key: string;
	label: string;
	value: number;
}

const WIDTH = 360;

/** Steps as bars against the first, each with its share of the step before (the drop between them). */
export function FunnelChart(props: { steps: FunnelStep[]; caption: string; testId: string }) {
	const top = Math.max(1, props.steps[0]?.value ?? 0);
	const rowHeight = 50;
	const summary = props.steps
		.map((s, i) => {
			const previous = props.steps[i - 1];
			return previous
				? `${s.label} ${formatCount(s.value)} (${share(s.value, previous.value)} of ${previous.label.toLowerCase()})`
				: `${s.label} ${formatCount(s.value)}`;
		})
		.join(", ");
	return (
		<figure style="margin:0">
			<svg
				viewBox={`0 0 ${WIDTH} ${props.steps.length * rowHeight}`}
				width="100%"
				style="max-width:32rem;display:block"
				role="img"
				aria-label={`${props.caption}: ${summary}`}
				data-testid={props.testId}
			>
				{props.steps.map((step, i) => {
					const y = i * rowHeight;
					const previous = props.steps[i - 1];
					const width = Math.max(2, (step.value / top) * WIDTH);
					return (
						<g data-step={step.key} data-value={String(step.value)}>
							<text x="0" y={y + 14} font-size="13" font-weight="600" fill="#1b1f24">
								{step.label}
							</text>
							<text x={WIDTH} y={y + 14} font-size="13" text-anchor="end" fill="#1b1f24">
								{formatCount(step.value)}
								{previous ? ` · ${share(step.value, previous.value)} of ${previous.label.toLowerCase()}` : ""}
							</text>
							<rect x="0" y={y + 20} width={WIDTH} height="20" rx="4" fill="#edf0f4" />
							<rect
								x="0"
								y={y + 20}
								width={width}
								height="20"
								rx="4"
								fill={i === props.steps.length - 1 ? "#0f8a6a" : "#2456d6"}
							/>
						</g>
					);
				})}
			</svg>
			<figcaption class="visually-hidden">{props.caption}</figcaption>
		</figure>
	);
}

function share(value: number, of: number): string {
	return formatRate(of > 0 ? value / of : null);
}

export interface DailySeries {
	day: string;
	/** Stacked from the bottom: the first value in the darker colour. */
	values: number[];
	title: string;
}

/** Every UTC day from the first to the last (at most the last 90), with 0 where nothing happened. */
export function everyDay<T>(rows: T[], dayOf: (row: T) => string, empty: (day: string) => T): T[] {
	if (rows.length === 0) return [];
	const byDay = new Map(rows.map((r) => [dayOf(r), r]));
	const sorted = [...byDay.keys()].sort();
	const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
	const first = Math.max(Date.parse(`${sorted[0]}T00:00:00Z`), last - 89 * DAY_MS);
	const out: T[] = [];
	for (let t = first; t <= last; t += DAY_MS) {
		const day = new Date(t).toISOString().slice(0, 10);
		out.push(byDay.get(day) ?? empty(day));
	}
	return out;
}

/** Bars per day, stacked; the axis names the first and last day and the tallest bar. */
export function DailyChart(props: { series: DailySeries[]; label: string; colors: string[]; testId: string }) {
	const height = 150;
	const axis = 18;
	const totals = props.series.map((s) => s.values.reduce((a, b) => a + b, 0));
	const max = Math.max(1, ...totals);
	const step = WIDTH / Math.max(1, props.series.length);
	const bar = Math.min(28, Math.max(1, step * 0.75));
	const first = props.series[0];
	const last = props.series[props.series.length - 1];
	return (
		<svg
			viewBox={`0 0 ${WIDTH} ${height + axis}`}
			width="100%"
			style="max-width:40rem;display:block"
			role="img"
			aria-label={`${props.label}, ${props.series.length} days, at most ${formatCount(max)} a day`}
			data-testid={props.testId}
		>
			<line x1="0" y1={height} x2={WIDTH} y2={height} stroke="#9aa4b1" stroke-width="1" />
			<text x="2" y="11" font-size="11" fill="#5b6470">
				{formatCount(max)}
			</text>
			{props.series.map((s, i) => {
				let base = height;
				return (
					<g>
						<title>{s.title}</title>
						{s.values.map((v, k) => {
							const h = (v / max) * (height - 16);
							base -= h;
							return (
								<rect
									x={i * step + (step - bar) / 2}
									y={base}
									width={bar}
									height={h}
									fill={props.colors[k] ?? "#2456d6"}
								/>
							);
						})}
						<rect x={i * step} y="0" width={step} height={height} fill="transparent" />
					</g>
				);
			})}
			{first ? (
				<text x="0" y={height + 14} font-size="11" fill="#5b6470">
					{formatDay(first.day)}
				</text>
			) : null}
			{last && last !== first ? (
				<text x={WIDTH} y={height + 14} font-size="11" text-anchor="end" fill="#5b6470">
					{formatDay(last.day)}
				</text>
			) : null}
		</svg>
	);
}

/** A ranked list with bars: device, OS, country. */
export function BarList(props: { rows: { label: string; value: number }[]; label: string }) {
	const max = Math.max(1, ...props.rows.map((r) => r.value));
	if (props.rows.length === 0) return <p class="muted small">No taps yet.</p>;
	return (
		<ul class="bars" aria-label={props.label}>
			{props.rows.map((r) => (
				<li>
					<div class="row">
						<span>{r.label}</span>
						<span class="muted">{formatCount(r.value)}</span>
					</div>
					<div class="track" aria-hidden="true">
						<div class="fill" style={`width:${((r.value / max) * 100).toFixed(1)}%`} />
					</div>
				</li>
			))}
		</ul>
	);
}
