import { ipv6Groups } from "../http/ipv6";

/**
 * The rate-limit key of a client address: an IPv4 address as it is, an IPv6 address cut to its /64 prefix. One
 * subscriber is usually handed a whole /64 (often a /56 or /48), and picks any address in it at will, so a limit on
 * the full IPv6 address limits nothing. IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 address. Anything that is
 * not an address is its own key, lower-cased.
 */
export function clientKey(address: string): string {
	const ip = address.trim().toLowerCase();
	if (!ip.includes(":")) return ip;
	const groups = ipv6Groups(ip);
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
