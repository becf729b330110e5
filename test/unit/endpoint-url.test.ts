import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyHost, refuseEndpointUrl } from "../../src/outbound-webhooks/endpoint-url";

// The SSRF filter of webhook endpoint URLs, as a deployment runs it (https to public hosts only) and as `npm run
// dev` runs it (plain http and loopback allowed). Every spelling the WHATWG URL parser accepts for an address is
// judged by the address.

const DEPLOYED = { allowHttp: false, allowPrivate: false };
const DEV = { allowHttp: true, allowPrivate: true };

// Each form refused by a deployment, and whether `npm run dev` still refuses it (link-local, metadata, reserved).
const REFUSED: [url: string, what: string, refusedInDev: boolean][] = [
	["https://localhost/hook", "localhost", false],
	["https://localhost./hook", "localhost with a trailing dot", true],
	["https://LOCALHOST/hook", "localhost in capitals", false],
	["https://api.localhost/hook", "a *.localhost name", false],
	["https://crm.example./hook", "any trailing-dot host", true],
	["https://printer.local/hook", "mDNS", false],
	["https://metadata.google.internal/computeMetadata/v1/", "GCP metadata", true],
	["https://metadata.goog/", "GCP metadata (short)", true],
	["https://instance-data/latest/meta-data/", "EC2 metadata name", true],
	["https://intranet/hook", "a single-label name", false],
	["https://router.home.arpa/", "home.arpa", false],
	["https://127.0.0.1/hook", "loopback", false],
	["https://127.1/hook", "loopback, short form", false],
	["https://2130706433/hook", "loopback, decimal", false],
	["https://0x7f000001/hook", "loopback, hex", false],
	["https://0177.0.0.1/hook", "loopback, octal", false],
	["https://0x7f.0.0.1/hook", "loopback, mixed", false],
	["https://%31%32%37.0.0.1/hook", "loopback, percent-encoded", false],
	["https://\uff11\uff12\uff17.0.0.1/hook", "loopback, full-width digits", false],
	["https://127.0.0.1./hook", "loopback with a trailing dot", false],
	["https://169.254.169.254./latest/meta-data/", "metadata with a trailing dot", true],
	["https://0.0.0.0/hook", "unspecified", true],
	["https://0/hook", "unspecified, decimal", true],
	["https://10.0.0.8/hook", "10/8", false],
	["https://172.16.0.1/hook", "172.16/12", false],
	["https://172.31.255.255/hook", "172.16/12, last", false],
	["https://192.168.1.20/hook", "192.168/16", false],
	["https://100.64.0.1/hook", "carrier-grade NAT", false],
	["https://100.127.255.254/hook", "carrier-grade NAT, last", false],
	["https://100.100.100.200/latest/meta-data", "Alibaba metadata (CGNAT)", false],
	["https://169.254.169.254/latest/meta-data/", "AWS/GCP/Azure metadata", true],
	["https://2852039166/latest/meta-data/", "metadata, decimal", true],
	["https://0xa9fea9fe/latest/meta-data/", "metadata, hex", true],
	["https://0251.0376.0251.0376/", "metadata, octal", true],
	["https://169.254.0.1/", "link-local", true],
	["https://192.0.0.192/", "Oracle metadata, IETF assignments", true],
	["https://192.0.2.10/", "TEST-NET-1", true],
	["https://198.51.100.7/", "TEST-NET-2", true],
	["https://203.0.113.9/", "TEST-NET-3", true],
	["https://198.18.0.1/", "benchmarking", true],
	["https://192.88.99.1/", "6to4 relay", true],
	["https://224.0.0.1/", "multicast", true],
	["https://239.255.255.250/", "multicast (SSDP)", true],
	["https://240.0.0.1/", "reserved", true],
	["https://255.255.255.255/", "broadcast", true],
	["https://[::1]/hook", "IPv6 loopback", false],
	["https://[0:0:0:0:0:0:0:1]/hook", "IPv6 loopback, long", false],
	["https://[::]/hook", "IPv6 unspecified", true],
	["https://[::ffff:169.254.169.254]/", "IPv4-mapped metadata", true],
	["https://[::ffff:a9fe:a9fe]/", "IPv4-mapped metadata, hex", true],
	["https://[::ffff:127.0.0.1]/", "IPv4-mapped loopback", true],
	["https://[::ffff:8.8.8.8]/", "IPv4-mapped, even public", true],
	["https://[::127.0.0.1]/", "IPv4-compatible", true],
	["https://[64:ff9b::a9fe:a9fe]/", "NAT64 of metadata", true],
	["https://[fd00::1]/hook", "unique local", false],
	["https://[fd00:ec2::254]/latest/meta-data/", "AWS IPv6 metadata (unique local)", false],
	["https://[fc00::1]/", "unique local fc", false],
	["https://[fe80::1]/", "link-local", true],
	["https://[febf::1]/", "link-local, last", true],
	["https://[fec0::1]/", "site-local", true],
	["https://[ff02::1]/", "multicast", true],
	["https://[2001:db8::1]/", "documentation", true],
	["https://[3fff::1]/", "documentation (RFC 9637)", true],
	["https://[2002:a9fe:a9fe::1]/", "6to4 of metadata", true],
	["https://[2001::1]/", "Teredo", true],
	["https://[100::1]/", "discard-only", true],
	["http://crm.example/hook", "plain http", false],
	["https://user:pw@crm.example/hook", "credentials", true],
	["https://user@crm.example/hook", "a user name", true],
	["ftp://crm.example/hook", "another scheme", true],
	["not a url", "not a URL", true],
];

describe("refuseEndpointUrl", () => {
	it.each(REFUSED)("should refuse %s (%s) on a deployment", (url) => {
		expect(refuseEndpointUrl(url, DEPLOYED)).toEqual(expect.any(String));
	});

	it.each(REFUSED)("under npm run dev, should treat %s (%s) as refused: %s", (url, _what, refusedInDev) => {
		expect(refuseEndpointUrl(url, DEV) !== null).toBe(refusedInDev);
	});

	it.each([
		"https://crm.example/hooks/tapline",
		"https://crm.example:8443/hooks?x=1",
		"https://8.8.8.8/hook",
		"https://100.63.255.255/hook",
		"https://100.128.0.0/hook",
		"https://172.15.255.255/hook",
		"https://172.32.0.0/hook",
		"https://[2606:4700:4700::1111]/hook",
		"https://xn--bcher-kva.example/hook",
		"https://localhost.example.com/hook",
	])("should accept the public %s", (url) => {
		expect(refuseEndpointUrl(url, DEPLOYED)).toBeNull();
	});

	it("should allow plain http only where the deployment allows it", () => {
		expect(refuseEndpointUrl("http://crm.example/hook", DEPLOYED)).toMatch(/https/);
		expect(refuseEndpointUrl("http://crm.example/hook", { allowHttp: true, allowPrivate: false })).toBeNull();
		expect(refuseEndpointUrl("http://127.0.0.1:8787/hook", { allowHttp: true, allowPrivate: false })).not.toBeNull();
		expect(refuseEndpointUrl("http://127.0.0.1:8787/hook", DEV)).toBeNull();
		expect(refuseEndpointUrl("http://localhost:9000/hook", DEV)).toBeNull();
	});
});

// Independent of the filter's code: the 32-bit value of an address and whether it is in a public range.
const NOT_PUBLIC_V4: [number, number][] = [
	[0x00000000, 8],
	[0x0a000000, 8],
	[0x64400000, 10],
	[0x7f000000, 8],
	[0xa9fe0000, 16],
	[0xac100000, 12],
	[0xc0000000, 24],
	[0xc0000200, 24],
	[0xc0586300, 24],
	[0xc0a80000, 16],
	[0xc6120000, 15],
	[0xc6336400, 24],
	[0xcb007100, 24],
	[0xe0000000, 3],
];
const publicV4 = (n: number) => !NOT_PUBLIC_V4.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits));

describe("classifyHost", () => {
	const address = fc.integer({ min: 0, max: 0xffffffff });
	const spellings = (n: number) => [
		[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join("."),
		String(n),
		`0x${n.toString(16)}`,
		[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => `0${b.toString(8)}`).join("."),
		`${n >>> 24}.${n & 0xffffff}`,
		`[::ffff:${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".")}]`,
	];

	it("should judge every spelling of an IPv4 address as the address, and refuse each not in a public range", () => {
		fc.assert(
			fc.property(address, (n) => {
				const verdicts = spellings(n).map((spelling) => refuseEndpointUrl(`https://${spelling}/hook`, DEPLOYED));
				// The mapped IPv6 spelling is refused always; the IPv4 ones as the address deserves.
				expect(verdicts.at(-1)).not.toBeNull();
				for (const verdict of verdicts.slice(0, -1)) expect(verdict === null).toBe(publicV4(n));
			}),
			{ numRuns: 2000 },
		);
	});

	it("should refuse every IPv6 address outside global unicast, and every one in a non-public part of it", () => {
		const group = fc.integer({ min: 0, max: 0xffff });
		// The first two groups drawn often from the edges of the ranges, where a wrong prefix length shows.
		const edge = fc.constantFrom(
			0,
			0x64,
			0x100,
			0x1fff,
			0x2000,
			0x2001,
			0x2002,
			0x3ffe,
			0x3fff,
			0x4000,
			0xfc00,
			0xfe80,
			0xff02,
		);
		const second = fc.constantFrom(0, 0x1ff, 0x200, 0xdb8, 0xfff, 0x1000, 0xffff);
		const head = fc.tuple(fc.oneof(group, edge), fc.oneof(group, second));
		fc.assert(
			fc.property(head, fc.array(group, { minLength: 6, maxLength: 6 }), ([a0, b0], rest) => {
				const groups = [a0, b0, ...rest];
				const literal = `[${groups.map((g) => g.toString(16)).join(":")}]`;
				const host = new URL(`https://${literal}/`).hostname;
				const [a = 0, b = 0] = groups;
				const global = a >>> 13 === 1;
				const notPublic =
					(a === 0x2001 && b < 0x200) ||
					(a === 0x2001 && b === 0xdb8) ||
					a === 0x2002 ||
					(a === 0x3fff && b >>> 12 === 0);
				expect(classifyHost(host) === "public").toBe(global && !notPublic);
			}),
			{ numRuns: 2000 },
		);
	});

	it("should refuse any host with a trailing dot, whatever its name", () => {
		fc.assert(
			fc.property(fc.domain(), (domain) => {
				expect(refuseEndpointUrl(`https://${domain}./hook`, DEV)).not.toBeNull();
			}),
		);
	});
});
