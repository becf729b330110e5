/**
 * The rate-limit key of a client address: an IPv4 address as it is, an IPv6 address cut to its /64 prefix. One
 * subscriber is usually handed a whole /64 (often a /56 or /48), and picks any address in it at will, so a limit on
 * the full IPv6 address limits nothing. IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 address. Anything that is
 * not an address is its own key, lower-cased.
 */
export function clientKey(address: string): string {
	const ip = address.trim().toLowerCase();
	if (!ip.includes(":")) return ip;
	const groups = expandIpv6(ip);
	if (!groups) return ip;
	if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
		const [hi = 0, lo = 0] = groups.slice(6);
		return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
	}
	return `${groups
		.slice(0, 4)
		.map((g) => g.toString(16))
		.join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with "::" and a dotted IPv4 tail), or null if it is not one. */
function expandIpv6(ip: string): number[] | null {
	let text = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
	const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
	if (dotted) {
		const bytes = dotted.slice(1).map(Number);
		if (bytes.some((b) => b > 255)) return null;
		const [a = 0, b = 0, c = 0, d = 0] = bytes;
		text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const halves = text.split("::");
	if (halves.length > 2) return null;
	const parse = (part: string) => (part === "" ? [] : part.split(":"));
	const head = parse(halves[0] ?? "");
	const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
	const missing = 8 - head.length - tail.length;
	if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
	const groups = [...head, ...Array<string>(Math.max(0, missing)).fill("0"), ...tail];
	if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
	return groups.map((g) => Number.parseInt(g, 16));
}
