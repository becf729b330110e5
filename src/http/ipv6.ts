/**
 * The eight 16-bit groups of an IPv6 address, or null if it is not one. Takes brackets ("[::1]"), a zone ("%eth0")
 * and a dotted IPv4 tail ("::ffff:192.0.2.1"). Shared by the pixel's rate-limit key and the webhook URL filter.
 */
export function ipv6Groups(address: string): number[] | null {
	let text = address
		.trim()
		.toLowerCase()
		.replace(/^\[|\]$/g, "")
		.replace(/%.*$/, "");
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
