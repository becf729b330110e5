// Number formats shared by the sections of bench/RESULTS.md.

export const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
/** "median (min–max)" */
export const spread = (xs: number[], digits: number) =>
	xs.length
		? `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`
		: "—";
export const n = (x: number) => Math.round(x).toLocaleString("en-US");
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export const met = (ok: boolean) => (ok ? "**met**" : "**missed**");

/** "median (min–max)", each figure formatted by `format`. */
export const spreadWith = (xs: number[], format: (x: number) => string) =>
	xs.length ? `${format(median(xs))} (${format(Math.min(...xs))}–${format(Math.max(...xs))})` : "—";
