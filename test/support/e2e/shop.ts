// A stand-in for a customer's shop: plain pages that embed the snippet from the Worker the way the README tells
// shops to. `ws` and `days` in a page's query string become the tag's data-workspace and data-days.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type LocalServer, listenLocally } from "../fakes/local-server";

export type Shop = LocalServer;

// The stub shops paste before the tag, so that calls made before the script has loaded are queued.
const STUB =
	"window.tapline = window.tapline || function () { (window.tapline.q = window.tapline.q || []).push(arguments); };";

// What each page adds before the snippet tag.
const PAGES: Record<string, string> = {
	"/landing": "",
	"/order": STUB,
	// Calls made before the snippet has loaded, garbage among them; only the purchase may reach the pixel.
	"/queued": `${STUB}
tapline();
tapline("nope", { orderId: "x" });
tapline("purchase", null);
tapline("purchase", { orderId: "q-1", value: "12.50", currency: "eur" });`,
	// Records, before the snippet runs, whether cookies and localStorage really are unusable on this page.
	"/blocked": `${STUB}
window.storageProbe = {};
try { document.cookie = "probe=1"; window.storageProbe.cookie = document.cookie.includes("probe") ? "works" : "ignored"; }
catch (e) { window.storageProbe.cookie = "throws"; }
try { localStorage.setItem("probe", "1"); window.storageProbe.localStorage = "works"; }
catch (e) { window.storageProbe.localStorage = "throws"; }`,
};

export function startShop(workerUrl: string): Promise<Shop> {
	const server = createServer((req, res) => serve(workerUrl, req, res));
	return listenLocally(server);
}

function serve(workerUrl: string, req: IncomingMessage, res: ServerResponse): void {
	const url = new URL(req.url ?? "/", "http://shop.invalid");
	const inline = PAGES[url.pathname];
	if (inline === undefined) {
		res.writeHead(url.pathname === "/favicon.ico" ? 204 : 404).end();
		return;
	}
	const workspace = url.searchParams.get("ws") ?? "ws_shop";
	const days = url.searchParams.get("days");
	const tag = `<script async src="${escapeHtml(`${workerUrl}/t.js`)}" data-workspace="${escapeHtml(workspace)}"${
		days === null ? "" : ` data-days="${escapeHtml(days)}"`
	}></script>`;
	const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Shop ${escapeHtml(url.pathname)}</title>
${inline === "" ? "" : `<script>${inline}</script>\n`}${tag}
</head><body><h1>Shop ${escapeHtml(url.pathname)}</h1></body></html>
`;
	res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
}

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
