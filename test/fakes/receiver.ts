// A stand-in for a marketer's webhook endpoint: records every request it receives, by path, and answers with the
// statuses a test scripted for that path (200 once the script is used up). Tests read it through /__receiver/.
import { createServer, type IncomingMessage } from "node:http";

export interface ReceivedRequest {
	method: string;
	path: string;
	headers: Record<string, string>;
	body: string;
}

export async function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
	const received = new Map<string, ReceivedRequest[]>();
	const scripts = new Map<string, number[]>();
	const server = createServer(async (req, res) => {
		const body = await read(req);
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
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

function read(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		let data = "";
		req.setEncoding("utf8");
		req.on("data", (chunk: string) => {
			data += chunk;
		});
		req.on("end", () => resolve(data));
		req.on("error", reject);
	});
}
