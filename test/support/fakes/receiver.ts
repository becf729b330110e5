// A stand-in for a marketer's webhook endpoint: records every request it receives, by path, and answers with the
// statuses a test scripted for that path (200 once the script is used up). Tests read it through /__receiver/.
import { createServer } from "node:http";
import { type LocalServer, listenLocally, readBody } from "./local-server";

export interface ReceivedRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	body: string;
}

export function startReceiver(): Promise<LocalServer> {
	const received = new Map<string, ReceivedRequest[]>();
	const scripts = new Map<string, number[]>();
	const server = createServer(async (req, res) => {
		const body = await readBody(req);
		const url = new URL(req.url ?? "/", "http://receiver");
		const control = url.pathname.match(/^\/__receiver\/(requests|script)(\/.*)$/);
		if (control) {
			const [, action, path = "/"] = control;
			if (action === "requests") {
				res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received.get(path) ?? []));
			} else {
				scripts.set(path, JSON.parse(body) as number[]);
				res.writeHead(204).end();
			}
			return;
		}
		const headers = Object.fromEntries(
			Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
		);
		const list = received.get(url.pathname) ?? [];
		list.push({ method: req.method ?? "", path: url.pathname, headers, body });
		received.set(url.pathname, list);
		const status = scripts.get(url.pathname)?.shift() ?? 200;
		res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "nope");
	});
	return listenLocally(server);
}
