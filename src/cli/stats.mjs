// `tapline stats`: a campaign's numbers as a table in the terminal.

/** @param {number | null | undefined} n */
const num = (n) => (n === null || n === undefined ? "–" : n.toLocaleString("en-US"));
/** @param {number | null | undefined} r */
const pct = (r) => (r === null || r === undefined ? "–" : `${(r * 100).toFixed(1)}%`);
/** @param {Record<string, number> | undefined} revenue */
const money = (revenue) =>
	Object.entries(revenue ?? {})
		.map(([currency, value]) => `${value.toLocaleString("en-US", { minimumFractionDigits: 2 })} ${currency}`)
		.join(", ") || "–";

/**
 * Lays out rows as columns; numbers (and dashes) are aligned right.
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const right = (/** @type {string} */ cell) => /^[-+]?[\d,.]+%?$|^–$/.test(cell) || /^[\d,.]+ [A-Z]{3}/.test(cell);
	const line = (/** @type {string[]} */ cells) =>
		cells
			.map((cell, i) => (i > 0 && right(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
			.join("  ")
			.trimEnd();
	return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * @param {any} s the JSON of GET /campaigns/:id/stats
 * @returns {string}
 */
export function renderStats(s) {
	const m = s.messages ?? {};
	const p = s.purchases ?? {};
	const overview = table(
		["", "value"],
		[
			["Links (recipients)", num(s.links)],
			["Taps", num(s.clicks?.total)],
			["  by people", num(s.clicks?.human)],
			["  by bots and previews", num(s.clicks?.bot)],
			["Unique people who tapped", num(s.clicks?.uniqueHumans)],
			["Click-through rate", pct(s.clickThroughRate)],
			["Messages", num(m.total)],
			["  sent", num(m.sent)],
			["  delivered", num(m.delivered)],
			["  failed / undelivered", `${num(m.failed)} / ${num(m.undelivered)}`],
			["Delivery rate", pct(m.deliveryRate)],
			["Purchasers", num(p.purchasers)],
			["Orders", num(p.orders)],
			["Revenue", money(p.revenue)],
			["Conversion rate", pct(p.conversionRate)],
		],
	);
	const variants = table(
		["Variant", "Links", "Taps", "People", "CTR", "Sent", "Delivered", "Orders", "Revenue"],
		(s.byVariant ?? []).map((/** @type {any} */ v) => [
			v.variant === "" ? "(none)" : v.variant,
			num(v.links),
			num(v.total),
			num(v.uniqueHumans),
			pct(v.clickThroughRate),
			num(v.messages?.sent),
			num(v.messages?.delivered),
			num(v.purchases?.orders),
			money(v.purchases?.revenue),
		]),
	);
	const f = s.followUps;
	const followUps =
		f && (f.enabled || f.eligible > 0)
			? table(
					["Follow-ups", "value"],
					[
						["Eligible (tapped, did not buy)", num(f.eligible)],
						["  sent", num(f.sent)],
						["  waiting (quiet hours / cap)", `${num(f.waiting?.quiet_hours)} / ${num(f.waiting?.capped)}`],
						["  skipped: bought / opted out", `${num(f.skipped?.purchased)} / ${num(f.skipped?.opted_out)}`],
						["  skipped: window passed", num(f.skipped?.window_passed)],
						["Delivered", num(f.messages?.delivered)],
						["Tapped", num(f.tapped)],
						["Purchasers", num(f.purchases?.purchasers)],
						["Revenue", money(f.purchases?.revenue)],
						["Conversion, followed up", pct(f.recovery?.followedUp?.conversionRate)],
						["Conversion, held back", pct(f.recovery?.heldBack?.conversionRate)],
					],
				)
			: null;
	const reasons = Object.entries(s.byReason ?? {})
		.map(([reason, n]) => `${reason} ${num(/** @type {number} */ (n))}`)
		.join(", ");
	const window = p.attributionWindowDays ? ` (purchases within ${p.attributionWindowDays} days of a tap)` : "";
	return [
		`Campaign ${s.campaign?.name} (${s.campaign?.id}), stage ${s.campaign?.stage}${window}`,
		"",
		overview,
		...(reasons ? ["", `Bot taps by reason: ${reasons}`] : []),
		"",
		"By variant",
		variants,
		...(followUps ? ["", followUps] : []),
	].join("\n");
}
