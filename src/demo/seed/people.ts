// Who the demo shop texts: phones, places and phones' browsers, drawn from a seeded generator so that every run with
// the same seed makes the same people. Numbers use the 555 exchange (US, Canada) or UK mobile ranges, which
// libphonenumber accepts. Some may belong to someone: they are never texted, as the seed forces SMS_PROVIDER=outbox.

/** mulberry32: small, fast, and good enough to make demo data reproducible. */
export function createRandom(seed: number) {
	let state = seed >>> 0;
	const next = (): number => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
	const random = {
		next,
		chance: (p: number) => next() < p,
		between: (min: number, max: number) => min + next() * (max - min),
		int: (min: number, max: number) => Math.floor(min + next() * (max - min + 1)),
		pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
		weighted: <T>(items: readonly (readonly [T, number])[]): T => {
			let left = next() * items.reduce((sum, [, weight]) => sum + weight, 0);
			for (const [item, weight] of items) {
				left -= weight;
				if (left < 0) return item;
			}
			return (items[items.length - 1] as readonly [T, number])[0];
		},
		/** Exponentially distributed, with this mean. */
		exponential: (mean: number) => -Math.log(1 - next()) * mean,
		/** Log-normal around `median`, with a spread of `sigma` (in log space). */
		logNormal: (median: number, sigma: number) => {
			const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
			return median * Math.exp(sigma * normal);
		},
		shuffle: <T>(items: T[]): T[] => {
			for (let i = items.length - 1; i > 0; i--) {
				const j = Math.floor(next() * (i + 1));
				[items[i], items[j]] = [items[j] as T, items[i] as T];
			}
			return items;
		},
	};
	return random;
}
export type Random = ReturnType<typeof createRandom>;

export type Country = "US" | "CA" | "GB";
export type DeviceKind = "iphone" | "android" | "ipad" | "desktop";

export interface Person {
	index: number;
	phone: string;
	firstName: string | null;
	country: Country;
	city: string;
	currency: "USD" | "CAD" | "GBP";
	device: DeviceKind;
	userAgent: string;
}

// City, weight, and the area codes (US, Canada) or mobile prefixes (UK) its numbers get.
const PLACES: Record<Country, readonly (readonly [string, number, readonly string[]])[]> = {
	US: [
		["New York", 14, ["212", "718", "646"]],
		["Los Angeles", 10, ["213", "310", "323"]],
		["Chicago", 7, ["312", "773"]],
		["Houston", 6, ["713", "832"]],
		["Phoenix", 4, ["602", "480"]],
		["Philadelphia", 4, ["215", "267"]],
		["San Diego", 3, ["619", "858"]],
		["Dallas", 5, ["214", "469"]],
		["Austin", 4, ["512", "737"]],
		["Seattle", 4, ["206", "425"]],
		["Miami", 5, ["305", "786"]],
		["Denver", 3, ["303", "720"]],
		["Boston", 4, ["617", "857"]],
		["Atlanta", 5, ["404", "678"]],
		["San Francisco", 4, ["415", "628"]],
	],
	CA: [
		["Toronto", 5, ["416", "647"]],
		["Vancouver", 3, ["604", "778"]],
		["Montreal", 3, ["514", "438"]],
		["Calgary", 2, ["403", "587"]],
	],
	GB: [
		["London", 6, ["7400", "7507", "7781", "7825"]],
		["Manchester", 2, ["7400", "7507", "7781", "7825"]],
		["Birmingham", 2, ["7400", "7507", "7781", "7825"]],
		["Glasgow", 1, ["7400", "7507", "7781", "7825"]],
	],
};
const COUNTRIES: readonly (readonly [Country, number])[] = [
	["US", 86],
	["CA", 9],
	["GB", 5],
];
const CURRENCY = { US: "USD", CA: "CAD", GB: "GBP" } as const;

const FIRST_NAMES = (
	"Ada Alex Amara Ben Carmen Chloe Daniel Diego Elena Emma Grace Hannah Isaac Jada James Jin Kai Laura " +
	"Leo Liam Maya Mia Noah Nora Olivia Omar Priya Rosa Sam Sofia Tariq Theo Uma Victor Yara Zoe"
).split(" ");

// The browsers SMS links open in. Mostly phones; a few people read their texts on a tablet or a computer (Messages
// on a Mac, Google Messages for web).
const USER_AGENTS: Record<DeviceKind, readonly (readonly [string, number])[]> = {
	iphone: [
		[
			"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
			40,
		],
		[
			"Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
			30,
		],
		[
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
			18,
		],
		[
			"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
			12,
		],
	],
	android: [
		[
			"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
			55,
		],
		[
			"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
			30,
		],
		[
			"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Mobile Safari/537.36",
			15,
		],
	],
	ipad: [
		[
			"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
			1,
		],
	],
	desktop: [
		[
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
			45,
		],
		[
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
			35,
		],
		[
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
			20,
		],
	],
};
const DEVICES: readonly (readonly [DeviceKind, number])[] = [
	["iphone", 58],
	["android", 35],
	["ipad", 2],
	["desktop", 5],
];

/** Link previews and other fetchers, as src/clicks/classify.ts recognises them. */
export const FETCHERS = {
	// iMessage's unfurler: a Safari UA that ends with the names of Facebook's and Twitter's crawlers.
	imessage:
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
	whatsapp: "WhatsApp/2.24.23.78 A",
	facebook: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
	slack: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
	telegram: "TelegramBot (like TwitterBot)",
	discord: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
	googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
} as const;
export type Fetcher = keyof typeof FETCHERS;

/** Makes people with distinct phones, one at a time. */
export function createPeople(random: Random) {
	const phones = new Set<string>();
	const people: Person[] = [];
	const phoneFor = (country: Country, prefix: string): string => {
		for (;;) {
			const phone =
				country === "GB"
					? `+44${prefix}${String(random.int(100_000, 899_999))}`
					: `+1${prefix}555${String(random.int(100, 9_999)).padStart(4, "0")}`;
			if (!phones.has(phone)) {
				phones.add(phone);
				return phone;
			}
		}
	};
	return {
		people,
		create(): Person {
			const country = random.weighted(COUNTRIES);
			const [city, , prefixes] = random.weighted(PLACES[country].map((place) => [place, place[1]] as const));
			const device = random.weighted(DEVICES);
			const person: Person = {
				index: people.length,
				phone: phoneFor(country, random.pick(prefixes)),
				firstName: random.chance(0.7) ? random.pick(FIRST_NAMES) : null,
				country,
				city,
				currency: CURRENCY[country],
				device,
				userAgent: random.weighted(USER_AGENTS[device]),
			};
			people.push(person);
			return person;
		},
	};
}
