import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DeviceType, describeUserAgent, type UserAgentSummary } from "../../src/clicks/user-agent";

// Real strings from ua-parser-js's and matomo/device-detector's tests, isbot's fixtures and
// microlinkhq/top-user-agents.
const CASES: ReadonlyArray<{ name: string; ua: string; expected: UserAgentSummary }> = [
	{
		name: "iPhone Safari",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.6 Mobile/15E148 Safari/604.1",
		expected: { deviceType: "mobile", os: "iOS", browser: "Mobile Safari" },
	},
	{
		name: "Android Chrome",
		ua: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Mobile Safari/537.36",
		expected: { deviceType: "mobile", os: "Android", browser: "Chrome" },
	},
	{
		name: "Samsung Internet",
		ua: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/30.0 Chrome/143.0.0.0 Mobile Safari/537.36",
		expected: { deviceType: "mobile", os: "Android", browser: "Samsung Internet" },
	},
	{
		name: "Chrome on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 26_6_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/151.0.7922.112 Mobile/15E148 Safari/604.1",
		expected: { deviceType: "mobile", os: "iOS", browser: "Chrome" },
	},
	{
		name: "Firefox on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/112.0 Mobile/15E148 Safari/605.1.15",
		expected: { deviceType: "mobile", os: "iOS", browser: "Firefox" },
	},
	{
		name: "Edge on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 EdgiOS/44.10.19 Mobile/15E148 Safari/605.1.15",
		expected: { deviceType: "mobile", os: "iOS", browser: "Edge" },
	},
	{
		name: "an iOS WKWebView with no app token",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		expected: { deviceType: "mobile", os: "iOS", browser: "WebKit" },
	},
	{
		name: "Android WebView",
		ua: "Mozilla/5.0 (Linux; Android 5.1.1; Nexus 5 Build/LMY48B; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/43.0.2357.65 Mobile Safari/537.36",
		expected: { deviceType: "mobile", os: "Android", browser: "Chrome WebView" },
	},
	{
		name: "Instagram on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML,like Gecko) Mobile/21F79 Instagram 330.0.3.29.91 (iPhone14,3; iOS 17_5; en_IR@calendar=gregorian; en; scale=3.00; 1125x2436; 595323416)",
		expected: { deviceType: "mobile", os: "iOS", browser: "Instagram" },
	},
	{
		name: "Instagram on Android",
		ua: "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.142 Mobile Safari/537.36 Instagram 406.0.0.58.159 Android (35/15; 480dpi; 1080x2400; OPPO; CPH2557; OP573DL1; mt6833; en_MY; 822918295; IABMV/1) NV/1",
		expected: { deviceType: "mobile", os: "Android", browser: "Instagram" },
	},
	{
		name: "Facebook on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21F90 [FBAN/FBPageAdmin;FBAV/400.0.0.21.108;FBBV/620787505;FBDV/iPhone15,3;FBMD/iPhone;FBSN/iOS;FBSV/17.5.1;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5;FBDI/D9016741-C75C-4FC3-8A3B-34249A953D07;FBRV/0]",
		expected: { deviceType: "mobile", os: "iOS", browser: "Facebook" },
	},
	{
		name: "Facebook on Android",
		ua: "Mozilla/5.0 (Linux; Android 9; SM-G950U Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/80.0.3987.149 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/263.0.0.46.121;]",
		expected: { deviceType: "mobile", os: "Android", browser: "Facebook" },
	},
	{
		name: "TikTok on Android",
		ua: "Mozilla/5.0 (Linux; Android 11; 21061119AG Build/RP1A.200720.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/92.0.4515.131 Mobile Safari/537.36 trill_2022109040 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/musical_ly app_version/21.9.",
		expected: { deviceType: "mobile", os: "Android", browser: "TikTok" },
	},
	{
		name: "TikTok on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 14_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_21.1.0 JsSdk/2.0 NetType/4G Channel/App Store ByteLocale/ru Region/RU ByteFullLocale/ru-RU isDarkMode/1 WKWebView/1 BytedanceWebview/d8a21c",
		expected: { deviceType: "mobile", os: "iOS", browser: "TikTok" },
	},
	{
		name: "Snapchat on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Snapchat/12.33.0.36 (like Safari/8614.1.25.0.31, panda)",
		expected: { deviceType: "mobile", os: "iOS", browser: "Snapchat" },
	},
	{
		name: "Line on Android",
		ua: "Mozilla/5.0 (Linux; Android 5.0; ASUS_Z00AD Build/LRX21V; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/51.0.2704.81 Mobile Safari/537.36 Line/6.5.1/IAB",
		expected: { deviceType: "mobile", os: "Android", browser: "Line" },
	},
	{
		name: "WeChat on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 8_4_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Mobile/12H321 MicroMessenger/6.3.6 NetType/WIFI Language/zh_CN",
		expected: { deviceType: "mobile", os: "iOS", browser: "WeChat" },
	},
	{
		name: "an iPad",
		ua: "Mozilla/5.0 (iPad; CPU OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.5 Mobile/15E148 Snapchat/10.77.0.54 (like Safari/604.1)",
		expected: { deviceType: "tablet", os: "iOS", browser: "Snapchat" },
	},
	{
		name: "a Galaxy Tab",
		ua: "Mozilla/5.0 (Linux; Android 12; SM-X706B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.5060.53 Safari/537.36",
		expected: { deviceType: "tablet", os: "Android", browser: "Chrome" },
	},
	{
		name: "Chrome on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36",
		expected: { deviceType: "desktop", os: "Windows", browser: "Chrome" },
	},
	{
		name: "Edge on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36 Edg/151.0.0.0",
		expected: { deviceType: "desktop", os: "Windows", browser: "Edge" },
	},
	{
		name: "Firefox on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0",
		expected: { deviceType: "desktop", os: "Windows", browser: "Firefox" },
	},
	{
		name: "Safari on macOS",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.5.2 Safari/605.1.15",
		expected: { deviceType: "desktop", os: "Mac OS", browser: "Safari" },
	},
	{
		name: "Chrome on Linux",
		ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36",
		expected: { deviceType: "desktop", os: "Linux", browser: "Chrome" },
	},
	{
		name: "Firefox on Ubuntu",
		ua: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:94.0) Gecko/20100101 Firefox/94.0",
		expected: { deviceType: "desktop", os: "Ubuntu", browser: "Firefox" },
	},
	{
		name: "a Chromebook",
		ua: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/111.0.0.0 Safari/537.36",
		expected: { deviceType: "desktop", os: "Chromium OS", browser: "Chrome" },
	},
	{
		name: "a Samsung smart TV",
		ua: "Mozilla/5.0 (SMART-TV; Linux; Tizen 2.3) AppleWebkit/538.1 (KHTML, like Gecko) SamsungBrowser/1.0 TV Safari/538.1",
		expected: { deviceType: "tv", os: "Tizen", browser: "Samsung Internet" },
	},
	{
		name: "a PlayStation 5",
		ua: "Mozilla/5.0 (Playstation; Playstation 5/1.05) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
		expected: { deviceType: "console", os: "Playstation", browser: "Safari" },
	},
	{
		name: "an Xbox One",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.18363",
		expected: { deviceType: "console", os: "Xbox", browser: "Edge" },
	},
	{
		name: "a smartwatch",
		ua: "Mozilla/5.0 (Linux; Android 5.0.1; ASUS ZenWatch Build/LWX48S) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/19.77.34.5 Mobile Safari/537.36",
		expected: { deviceType: "wearable", os: "Android", browser: "Chrome" },
	},
	{
		name: "a car (ua-parser-js's 'embedded')",
		ua: "Mozilla/5.0 (X11; GNU/Linux) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/79.0.3945.130 Chrome/79.0.3945.130 Safari/537.36 Tesla/2020.16.2.1-e99c70fff409",
		expected: { deviceType: "other", os: "Linux", browser: "Tesla" },
	},
	{
		name: "curl",
		ua: "curl/7.64.1",
		expected: { deviceType: "other", os: null, browser: null },
	},
	{
		name: "Googlebot",
		ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		expected: { deviceType: "other", os: null, browser: null },
	},
];

const DEVICE_TYPES: readonly DeviceType[] = ["mobile", "tablet", "desktop", "tv", "console", "wearable", "other"];

const windowsChrome = (major: number) =>
	`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;

describe("describeUserAgent", () => {
	it.each(CASES)("should describe $name", ({ ua, expected }) => {
		expect(describeUserAgent(ua)).toEqual(expected);
	});

	it.each([null, "", "  "])("should describe user agent %j as an unknown device", (ua) => {
		expect(describeUserAgent(ua)).toEqual({ deviceType: "other", os: null, browser: null });
	});

	it("should hand back the remembered summary when the same user agent repeats", () => {
		const ua = windowsChrome(150);
		expect(describeUserAgent(ua)).toBe(describeUserAgent(ua));
	});

	it("should forget the least recently seen user agent once 500 others have been seen", () => {
		const first = describeUserAgent(windowsChrome(1_000));
		for (let major = 2_000; major < 2_600; major++) describeUserAgent(windowsChrome(major));
		const again = describeUserAgent(windowsChrome(1_000));
		expect(again).toEqual(first);
		expect(again).not.toBe(first);
	});

	it("should keep a user agent it keeps seeing while others come and go", () => {
		const kept = describeUserAgent(windowsChrome(3_000));
		for (let major = 4_000; major < 4_600; major++) {
			describeUserAgent(windowsChrome(major));
			expect(describeUserAgent(windowsChrome(3_000))).toBe(kept);
		}
	});

	it("should parse but not remember user agents longer than ua-parser-js reads", () => {
		const long = `${windowsChrome(151)} ${"x".repeat(600)}`;
		const summary = describeUserAgent(long);
		expect(summary).toEqual({ deviceType: "desktop", os: "Windows", browser: "Chrome" });
		expect(describeUserAgent(long)).not.toBe(summary);
	});

	it("should freeze summaries so a caller cannot change what the next tap gets", () => {
		expect(Object.isFrozen(describeUserAgent(windowsChrome(149)))).toBe(true);
	});

	it("should never throw and always give a known device type", () => {
		fc.assert(
			fc.property(fc.option(fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 700 }))), (ua) => {
				const summary = describeUserAgent(ua);
				expect(DEVICE_TYPES).toContain(summary.deviceType);
				expect(summary.os === null || summary.os.length > 0).toBe(true);
				expect(summary.browser === null || summary.browser.length > 0).toBe(true);
			}),
		);
	});
});
