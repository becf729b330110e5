// Which URLs a webhook endpoint may have: the SSRF filter, checked when the endpoint is created and again before
// every delivery (a deployment's settings may have changed since). Hosts are judged as the WHATWG URL parser
// leaves them, so every spelling of an address (decimal, octal or hex IPv4, IPv4-mapped IPv6, upper case) is judged
// by the address it names. A name is not resolved here (Workers have no DNS lookup); on Cloudflare's network a
// fetch cannot reach private addresses anyway, and this filter keeps a self-hosted runtime from posting to them.
import { ipv6Groups } from "../http/ipv6";

export interface EndpointUrlPolicy {
	/** WEBHOOK_ALLOW_HTTP: plain http:// is accepted (local development, tests). */
	allowHttp: boolean;
	/** WEBHOOK_ALLOW_PRIVATE_HOSTS: loopback, private networks and local names are accepted (local development). */
	allowPrivate: boolean;
}

type Range = readonly [address: string, prefix: number];

// IANA's IPv4 special-purpose registry, and more: everything a public webhook endpoint is never on.
// "local" ranges are what WEBHOOK_ALLOW_PRIVATE_HOSTS lets through; the others are refused always.
const IPV4_LOCAL: Range[] = [
	["10.0.0.0", 8], // private
	["100.64.0.0", 10], // carrier-grade NAT (and Alibaba's metadata service, 100.100.100.200)
	["127.0.0.0", 8], // loopback
	["172.16.0.0", 12], // private
	["192.168.0.0", 16], // private
];
const IPV4_NEVER: Range[] = [
	["0.0.0.0", 8], // "this network"; 0.0.0.0 reaches the host itself on Linux
	["169.254.0.0", 16], // link-local, where cloud metadata services live (169.254.169.254)
	["192.0.0.0", 24], // IETF protocol assignments (Oracle's metadata at 192.0.0.192)
	["192.0.2.0", 24], // documentation (TEST-NET-1)
	["192.88.99.0", 24], // 6to4 relay anycast (deprecated)
	["198.18.0.0", 15], // benchmarking
	["198.51.100.0", 24], // documentation (TEST-NET-2)
	["203.0.113.0", 24], // documentation (TEST-NET-3)
	["224.0.0.0", 4], // multicast
	["240.0.0.0", 4], // reserved, and the broadcast address 255.255.255.255
];

// IPv6: only global unicast (2000::/3) can be public; inside it, these are not.
const IPV6_LOCAL: Range[] = [
	["::1", 128], // loopback
	["fc00::", 7], // unique local (AWS's metadata service at fd00:ec2::254)
];
const IPV6_NOT_PUBLIC: Range[] = [
	["2001::", 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
	["2001:db8::", 32], // documentation
	["2002::", 16], // 6to4: embeds an IPv4 address of any kind
	["3fff::", 20], // documentation (RFC 9637)
];
const IPV6_GLOBAL: Range = ["2000::", 3];

// Names that resolve to the machine itself, its network or a cloud's metadata service.
const LOCAL_SUFFIXES = [".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan", ".intranet"];
const NEVER_NAMES = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data"]);

function ipv4(address: string): number | null {
	const parts = address.split(".");
	if (parts.length !== 4) return null;
	let value = 0;
	for (const part of parts) {
		if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
		value = value * 256 + Number(part);
	}
	return value;
}

function inIpv4(address: number, [base, prefix]: Range): boolean {
	const size = 2 ** (32 - prefix);
	const start = ipv4(base) as number;
	return address >= start && address < start + size;
}

/** The 128-bit value of an IPv6 address. */
function ipv6(address: string): bigint | null {
	const groups = ipv6Groups(address);
	return groups ? groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n) : null;
}

function inIpv6(address: bigint, [base, prefix]: Range): boolean {
	const shift = BigInt(128 - prefix);
	return address >> shift === (ipv6(base) as bigint) >> shift;
}

type Verdict = "public" | "local" | "never";

/** What kind of host a URL's hostname (as URL.hostname gives it) names. */
export function classifyHost(hostname: string): Verdict {
	const host = hostname.toLowerCase();
	// A trailing dot makes a name absolute ("localhost." is localhost); no public endpoint needs one.
	if (host === "" || host.endsWith(".")) return "never";
	if (host.startsWith("[")) {
		const address = ipv6(host.slice(1, -1));
		if (address === null) return "never";
		if (IPV6_LOCAL.some((r) => inIpv6(address, r))) return "local";
		if (!inIpv6(address, IPV6_GLOBAL) || IPV6_NOT_PUBLIC.some((r) => inIpv6(address, r))) return "never";
		return "public";
	}
	const address = ipv4(host);
	if (address !== null) {
		if (IPV4_NEVER.some((r) => inIpv4(address, r))) return "never";
		if (IPV4_LOCAL.some((r) => inIpv4(address, r))) return "local";
		return "public";
	}
	if (NEVER_NAMES.has(host)) return "never";
	// One label ("intranet", "localhost") is a name only a local resolver answers.
	if (host === "localhost" || !host.includes(".") || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return "local";
	return "public";
}

/** Why a URL cannot be an endpoint under the policy, or null when it can. */
export function refuseEndpointUrl(raw: string, policy: EndpointUrlPolicy): string | null {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return "is not a URL";
	}
	if (url.username || url.password) return "must not carry credentials";
	if (url.protocol !== "https:" && url.protocol !== "http:") return "must be https";
	if (url.protocol === "http:" && !policy.allowHttp) return "must be https (this deployment refuses plain http)";
	const verdict = classifyHost(url.hostname);
	if (verdict === "never") return "must not point at a loopback, private, link-local, metadata or reserved address";
	if (verdict === "local" && !policy.allowPrivate) {
		return "must be a public host (this deployment refuses loopback, private networks and local names)";
	}
	return null;
}
