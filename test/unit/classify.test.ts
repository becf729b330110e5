import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	BOT_REASONS,
	type BotReason,
	classifyTap,
	classifyUserAgent,
	type TapRequest,
} from "../../src/clicks/classify";

function tap(userAgent: string | null, headers: Record<string, string> = {}, method = "GET"): TapRequest {
	const lookup = new Headers(headers);
	return { method, userAgent, header: (name) => lookup.get(name) };
}

// Real strings, taken from isbot's and matomo/device-detector's fixtures, ua-parser-js's tests,
// microlinkhq/top-user-agents, Signal-Desktop's source and mssola/user_agent#71 (Gmail); none is made up.
const HUMANS: ReadonlyArray<{ name: string; ua: string }> = [
	{
		name: "iPhone Safari (iOS 18)",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.6 Mobile/15E148 Safari/604.1",
	},
	{
		name: "iPhone Safari (iOS 18.5)",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
	},
	{
		name: "Android Chrome (reduced UA)",
		ua: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Mobile Safari/537.36",
	},
	{
		name: "Samsung Internet",
		ua: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/30.0 Chrome/143.0.0.0 Mobile Safari/537.36",
	},
	{
		name: "Chrome on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 26_6_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/151.0.7922.112 Mobile/15E148 Safari/604.1",
	},
	{
		name: "Firefox on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/112.0 Mobile/15E148 Safari/605.1.15",
	},
	{
		name: "Edge on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 EdgiOS/44.10.19 Mobile/15E148 Safari/605.1.15",
	},
	{
		name: "Edge on Android",
		ua: "Mozilla/5.0 (Linux; Android 8.0.0; G8441 Build/47.1.A.12.270) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.123 Mobile Safari/537.36 EdgA/42.0.0.2529",
	},
	{
		name: "Google app on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 26_5_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/432.9.954074404 Mobile/15E148 Safari/604.1",
	},
	{
		name: "an iOS in-app WKWebView with no app token",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	},
	{
		name: "Android WebView",
		ua: "Mozilla/5.0 (Linux; Android 5.1.1; Nexus 5 Build/LMY48B; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/43.0.2357.65 Mobile Safari/537.36",
	},
	{
		name: "Instagram on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML,like Gecko) Mobile/21F79 Instagram 330.0.3.29.91 (iPhone14,3; iOS 17_5; en_IR@calendar=gregorian; en; scale=3.00; 1125x2436; 595323416)",
	},
	{
		name: "Instagram on Android",
		ua: "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.142 Mobile Safari/537.36 Instagram 406.0.0.58.159 Android (35/15; 480dpi; 1080x2400; OPPO; CPH2557; OP573DL1; mt6833; en_MY; 822918295; IABMV/1) NV/1",
	},
	{
		name: "Instagram on a 1024x720 Android tablet (isbot's '24x7' pattern fires)",
		ua: "Mozilla/5.0 (Linux; U; Android 4.2.1; ru-ru; ZT-97003G Build/JOP40D[20131216.194236]) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30 Instagram 54.0.0.14.82 Android (17/4.2.1; 160dpi; 1024x720; ULMART/ZIFRO; ZT-97003G; ZT-97003G; mt8389; ru_RU; 117539687)",
	},
	{
		name: "Instagram on iPad",
		ua: "Mozilla/5.0 (iPad; CPU OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 137.0.0.30.124 (iPad7,5; iOS 13_3_1; ru_UA; ru-UA; scale=2.00; 1334x750; 208685371)",
	},
	{
		name: "Facebook on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21F90 [FBAN/FBPageAdmin;FBAV/400.0.0.21.108;FBBV/620787505;FBDV/iPhone15,3;FBMD/iPhone;FBSN/iOS;FBSV/17.5.1;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5;FBDI/D9016741-C75C-4FC3-8A3B-34249A953D07;FBRV/0]",
	},
	{
		name: "Facebook on Android (FB_IAB)",
		ua: "Mozilla/5.0 (Linux; Android 9; SM-G950U Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/80.0.3987.149 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/263.0.0.46.121;]",
	},
	{
		name: "Facebook on Android (MetaIAB)",
		ua: "Mozilla/5.0 (Linux; Android 16; Pixel 10 Pro XL Build/CP1A.260305.018; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/146.0.7680.174 Mobile Safari/537.36 MetaIAB Facebook",
	},
	{
		name: "the Facebook app's bare UA (isbot's no-space pattern fires)",
		ua: "[FBAN/FB4A;FBAV/79.0.0.0.52;FBBV/30370547;FBDM/{density=1.5,width=480,height=854};FBLC/es_ES;FBCR/TIGO;FBMF/verykool;FBBD/verykool;FBPN/com.facebook.katana;FBDV/verykoolS5004;FBSV/4.4.2;FBOP/1;FBCA/armeabi-v7a:armeabi;]",
	},
	{
		name: "TikTok on Android",
		ua: "Mozilla/5.0 (Linux; Android 11; 21061119AG Build/RP1A.200720.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/92.0.4515.131 Mobile Safari/537.36 trill_2022109040 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/musical_ly app_version/21.9.",
	},
	{
		name: "TikTok on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 14_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_21.1.0 JsSdk/2.0 NetType/4G Channel/App Store ByteLocale/ru Region/RU ByteFullLocale/ru-RU isDarkMode/1 WKWebView/1 BytedanceWebview/d8a21c",
	},
	{
		name: "Snapchat's in-app browser on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Snapchat/12.33.0.36 (like Safari/8614.1.25.0.31, panda)",
	},
	{
		name: "Snapchat's in-app browser on Android",
		ua: "Mozilla/5.0 (Linux; Android 13; I2011 Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.54 Mobile Safari/537.36 Snapchat/12.89.0.40 (I2011; Android 13#eng.compil.20240430.095616#33; gzip; )",
	},
	{
		name: "Snapchat's in-app browser on iPad",
		ua: "Mozilla/5.0 (iPad; CPU OS 13_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.5 Mobile/15E148 Snapchat/10.77.0.54 (like Safari/604.1)",
	},
	{
		name: "Line on Android",
		ua: "Mozilla/5.0 (Linux; Android 5.0; ASUS_Z00AD Build/LRX21V; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/51.0.2704.81 Mobile Safari/537.36 Line/6.5.1/IAB",
	},
	{
		name: "Line on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 11_2_6 like Mac OS X) AppleWebKit/604.5.6 (KHTML, like Gecko) Mobile/15D100 Safari Line/8.4.1",
	},
	{
		name: "WeChat on Android (isbot's 'tools' pattern fires)",
		ua: "Mozilla/5.0 (Linux; Android 12; LGE-AN10 Build/HONORLGE-AN10; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/86.0.4240.99 XWEB/3211 MMWEBSDK/20220303 Mobile Safari/537.36 MMWEBID/7223 MicroMessenger/8.0.21.2120(0x2800153B) Process/toolsmp WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64",
	},
	{
		name: "WeChat on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 8_4_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Mobile/12H321 MicroMessenger/6.3.6 NetType/WIFI Language/zh_CN",
	},
	{
		name: "KakaoTalk on iOS",
		ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 8.6.3",
	},
	{
		name: "Viber's in-app browser",
		ua: "Mozilla/5.0 (Linux; Android 7.1.2; G011A Build/N2G48H; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/66.0.3359.158 Safari/537.36 Viber/11.9.5.8",
	},
	{
		name: "X (Twitter) on Android",
		ua: "Mozilla/5.0 (Linux; Android 13; CPH2531 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.120 Mobile Safari/537.36 TwitterAndroid",
	},
	{
		name: "Pinterest on Android",
		ua: "Mozilla/5.0 (Linux; Android 9; STF-L09 Build/HUAWEISTF-L09; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/79.0.3945.79 Mobile Safari/537.36 [Pinterest/Android]",
	},
	{
		name: "Zalo on Android",
		ua: "Mozilla/5.0 (Linux; Android 13; SM-N981N Build/TP1A.220624.014;) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/150.0.7871.181 Mobile Safari/537.36 Zalo android/260701901 ZaloTheme/dark ZaloLanguage/vi",
	},
	{
		name: "Chrome on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36",
	},
	{
		name: "Edge on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36 Edg/151.0.0.0",
	},
	{
		name: "Firefox on Windows",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0",
	},
	{
		name: "Safari on macOS (also what iPadOS Safari sends)",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.5.2 Safari/605.1.15",
	},
	{
		name: "Firefox on macOS",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:153.0) Gecko/20100101 Firefox/153.0",
	},
	{
		name: "Chrome on Linux",
		ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36",
	},
	{
		name: "Opera on macOS",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/149.0.0.0 Safari/537.36 OPR/133.0.0.0",
	},
];

const BOTS: ReadonlyArray<{ name: string; ua: string; reason: BotReason }> = [
	{
		name: "iMessage's link preview",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
		reason: "preview",
	},
	{
		name: "facebookexternalhit",
		ua: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		reason: "preview",
	},
	{ name: "Facebot", ua: "Facebot/1.0", reason: "preview" },
	{ name: "WhatsApp (Android)", ua: "WhatsApp/2.23.10.73 A", reason: "preview" },
	{ name: "WhatsApp (iOS)", ua: "whatsapp/784941593 cfnetwork/3826.600.41 darwin/24.6.0", reason: "preview" },
	{ name: "Signal's client-side preview", ua: "WhatsApp/2", reason: "preview" },
	{
		name: "Slackbot-LinkExpanding",
		ua: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		reason: "preview",
	},
	{ name: "TelegramBot", ua: "TelegramBot (like TwitterBot)", reason: "preview" },
	{ name: "Discordbot", ua: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", reason: "preview" },
	{ name: "Twitterbot", ua: "Twitterbot/1.0", reason: "preview" },
	{
		name: "LinkedInBot",
		ua: "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
		reason: "preview",
	},
	{
		name: "SkypeUriPreview",
		ua: "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
		reason: "preview",
	},
	{
		name: "MicrosoftPreview (Teams, Outlook)",
		ua: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview) Chrome/100.0.4896.127 Safari/537.36",
		reason: "preview",
	},
	{ name: "Viber's URL downloader", ua: "ViberUrlDownloader", reason: "preview" },
	{
		name: "Snapchat's URL preview service",
		ua: "Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots",
		reason: "preview",
	},
	{
		name: "Snapchat's native HTTP client",
		ua: "Snapchat/12.56.0.58 (iPhone14,2; iOS 16.1.1; gzip)",
		reason: "preview",
	},
	{
		name: "Pinterestbot",
		ua: "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
		reason: "preview",
	},
	{
		name: "redditbot",
		ua: "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
		reason: "preview",
	},
	{
		name: "Google Messages (RCS) preview",
		ua: "mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/123.0.0.0 safari/537.36 googlemessages/15.1",
		reason: "preview",
	},
	{
		name: "KakaoTalk's scraper",
		ua: "facebookexternalhit/1.1; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984",
		reason: "preview",
	},
	{ name: "Embedly", ua: "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)", reason: "preview" },
	{ name: "Iframely", ua: "Iframely/1.3.1 (+https://iframely.com/docs/about)", reason: "preview" },
	{
		name: "BingPreview",
		ua: "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b",
		reason: "preview",
	},
	{
		name: "Google-PageRenderer",
		ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/56.0.2924.87 Safari/537.36 Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)",
		reason: "preview",
	},
	{
		name: "Yahoo Mail's link preview",
		ua: "Mozilla/5.0 (compatible; Yahoo Link Preview; https://help.yahoo.com/kb/mail/yahoo-link-preview-SLN23615.html)",
		reason: "preview",
	},
	{
		name: "Mastodon's link card fetcher",
		ua: "http.rb/3.2.0 (Mastodon/2.4.3; +https://uwu.social/)",
		reason: "preview",
	},
	{ name: "Barracuda", ua: "Barracuda Sentinel (EE)", reason: "scanner" },
	{ name: "Office link discovery", ua: "Mozilla/4.0 (compatible; ms-office; MSOffice 16)", reason: "scanner" },
	{ name: "Outlook (MAPI)", ua: "Microsoft Office/16.0 (Windows NT 10.0; MAPI 16.0.8431; Pro)", reason: "scanner" },
	{
		name: "Google-Safety",
		ua: "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Google-Safety; +http://www.google.com/bot.html)",
		reason: "scanner",
	},
	{
		name: "Gmail's content sampling",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Gmail-content-sampling",
		reason: "scanner",
	},
	{
		name: "Kaspersky's link resolver",
		ua: "Kaspersky Lab CFR link resolver cfradmins@kaspersky.com",
		reason: "scanner",
	},
	{
		name: "VirusTotal",
		ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Safari/537.36 AppEngine-Google; (+http://code.google.com/appengine; appid: s~virustotalcloud)",
		reason: "scanner",
	},
	{
		name: "HeadlessChrome",
		ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/100.0.4896.88 Safari/537.36",
		reason: "headless",
	},
	{
		name: "PhantomJS",
		ua: "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534.34 (KHTML, like Gecko) PhantomJS/1.9.0 Safari/534.34 Siteimprove (Accessibility)",
		reason: "headless",
	},
	{
		name: "Playwright",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Playwright/1.40.0",
		reason: "headless",
	},
	{
		name: "Selenium",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36; Selenium",
		reason: "headless",
	},
	{
		name: "Chrome-Lighthouse",
		ua: "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
		reason: "headless",
	},
	{
		name: "Googlebot",
		ua: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		reason: "crawler",
	},
	{
		name: "Googlebot smartphone in a WebView-shaped UA",
		ua: "Mozilla/5.0 (Linux; Android 13; Pixel 9 Pro Build/TQ3A.240321.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/144.0.7559.132 Chrome/144.0.7559.132 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		reason: "crawler",
	},
	{ name: "bingbot", ua: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", reason: "crawler" },
	{
		name: "Applebot",
		ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
		reason: "crawler",
	},
	{
		name: "GPTBot",
		ua: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
		reason: "crawler",
	},
	{ name: "AhrefsBot", ua: "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", reason: "crawler" },
	{ name: "curl", ua: "curl/7.64.1", reason: "crawler" },
	{ name: "Wget", ua: "Wget/1.20.3 (linux-gnu)", reason: "crawler" },
	{ name: "python-requests", ua: "python-requests/2.21.0", reason: "crawler" },
	{ name: "Go's HTTP client", ua: "Go-http-client/1.1", reason: "crawler" },
	{
		name: "a Tencent CDN fetcher wearing WeChat's UA",
		ua: "Mozilla/5.0 (Linux; Android 10; FIG-AL10 Build/HUAWEIFIG-AL10; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/105.0.0.0MQQBrowser/6.2 TBS/045223 Mobile Safari/537.36 MMWEBID/1214 MicroMessenger/7.0.14.1660(0x27000E39) Process/tools NetType/4G Language/zh_CN ABI/arm64 WeChat/arm64 wechatdevtools qcloudcdn-xinan",
		reason: "crawler",
	},
	{
		name: "Messenger's native HTTP client (not a browser)",
		ua: "Dalvik/2.1.0 (Linux; U; Android 15; Pixel 8 Pro Build/AP3A.241005.015) [FBAN/Orca-Android;FBAV/482.0.0.71.108;FBPN/com.facebook.orca;FBLC/de_DE;FBBV/658301643;FBCR/Telekom.de;FBMF/Google;FBBD/google;FBDV/Pixel 8 Pro;FBSV/15;FBCA/arm64-v8a:null;FBDM/{density=2.25,width=1008,height=2244};FB_FW/1;]",
		reason: "crawler",
	},
];

const IPHONE_SAFARI = HUMANS[0]?.ua ?? "";

describe("classifyTap", () => {
	it.each(HUMANS)("should count a tap from $name as human", ({ ua }) => {
		expect(classifyTap(tap(ua))).toEqual({ human: true, reason: null });
	});

	it.each(BOTS)("should count a tap from $name as a bot ($reason)", ({ ua, reason }) => {
		expect(classifyTap(tap(ua))).toEqual({ human: false, reason });
	});

	it.each(["HEAD", "head"])("should count a %s request as a bot even from a phone browser", (method) => {
		expect(classifyTap(tap(IPHONE_SAFARI, {}, method))).toEqual({ human: false, reason: "head" });
	});

	it.each([
		["Sec-Purpose", "prefetch"],
		["Sec-Purpose", "prefetch;prerender"],
		["Sec-Purpose", "prefetch;anonymous-client-ip"],
		["Purpose", "prefetch"],
		["X-Purpose", "preview"],
		["X-Moz", "prefetch"],
	])("should count a tap with %s: %s as a prefetch", (name, value) => {
		expect(classifyTap(tap(IPHONE_SAFARI, { [name]: value }))).toEqual({ human: false, reason: "prefetch" });
	});

	it("should ignore prefetch headers that carry other values", () => {
		const verdict = classifyTap(tap(IPHONE_SAFARI, { "Sec-Purpose": "", Purpose: "navigate", "X-Moz": "" }));
		expect(verdict).toEqual({ human: true, reason: null });
	});

	it.each([null, "", "   "])("should count a tap with user agent %j as a bot (no-user-agent)", (ua) => {
		expect(classifyTap(tap(ua))).toEqual({ human: false, reason: "no-user-agent" });
	});

	it("should report a HEAD before a prefetch hint, and a prefetch hint before a missing user agent", () => {
		expect(classifyTap(tap(null, { "Sec-Purpose": "prefetch" }, "HEAD")).reason).toBe("head");
		expect(classifyTap(tap(null, { "Sec-Purpose": "prefetch" })).reason).toBe("prefetch");
	});

	it("should report a headless browser that names a preview service as a preview", () => {
		const ua =
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.207 Safari/537.36 WordPress.com mShots";
		expect(classifyTap(tap(ua)).reason).toBe("headless");
		expect(classifyTap(tap(`${ua} facebookexternalhit/1.1`)).reason).toBe("preview");
	});

	it("should never throw and always give a consistent verdict", () => {
		const headerName = fc.constantFrom("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz", "Accept", "Referer");
		fc.assert(
			fc.property(
				fc.oneof(fc.constantFrom("GET", "HEAD", "POST", "head"), fc.string()),
				fc.option(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom(...HUMANS.map((h) => h.ua)))),
				fc.dictionary(fc.oneof(headerName, fc.string()), fc.string({ unit: "binary" })),
				(method, userAgent, headers) => {
					const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
					const verdict = classifyTap({ method, userAgent, header: (name) => lower.get(name.toLowerCase()) ?? null });
					if (verdict.human) {
						expect(verdict.reason).toBeNull();
					} else {
						expect(BOT_REASONS).toContain(verdict.reason);
					}
				},
			),
		);
	});

	it("should classify every HEAD request as head whatever else it carries", () => {
		fc.assert(
			fc.property(fc.option(fc.string()), fc.string(), (userAgent, purpose) => {
				const verdict = classifyTap({ method: "HEAD", userAgent, header: () => purpose });
				expect(verdict).toEqual({ human: false, reason: "head" });
			}),
		);
	});

	it("should classify every non-HEAD request with a prefetch hint as prefetch", () => {
		fc.assert(
			fc.property(
				fc.constantFrom("GET", "POST"),
				fc.option(fc.string()),
				fc.constantFrom("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"),
				fc.string(),
				fc.string(),
				(method, userAgent, name, before, after) => {
					const value = `${before}prefetch${after}`;
					const verdict = classifyTap({
						method,
						userAgent,
						header: (n) => (n.toLowerCase() === name.toLowerCase() ? value : null),
					});
					expect(verdict).toEqual({ human: false, reason: "prefetch" });
				},
			),
		);
	});
});

// The redirect decides the tlid from the user agent alone (HEAD and prefetches are answered before), the consumer
// from the whole request: the two must agree on every GET that is not a prefetch.
describe("classifyUserAgent", () => {
	it("should give every GET without prefetch hints the verdict classifyTap gives it", () => {
		const known = [...HUMANS.map((h) => h.ua), ...BOTS.map((b) => b.ua)];
		fc.assert(
			fc.property(fc.oneof(fc.constantFrom(...known), fc.string(), fc.constant(""), fc.constant("   ")), (ua) => {
				expect(classifyUserAgent(ua)).toEqual(classifyTap(tap(ua)));
			}),
			{ numRuns: 2000 },
		);
		for (const ua of known) expect(classifyUserAgent(ua)).toEqual(classifyTap(tap(ua)));
		expect(classifyUserAgent(null)).toEqual(classifyTap(tap(null)));
	});
});
