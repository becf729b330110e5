// The plumbing every local fake shares: listen on a free port of 127.0.0.1, close for good, read a request body.
import type { IncomingMessage, Server } from "node:http";

export interface LocalServer {
	url: string;
	close: () => Promise<void>;
}

/** Listens on a free port of 127.0.0.1; `close` also ends open connections (a scripted hang, a keep-alive). */
export function listenLocally(server: Server): Promise<LocalServer> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			resolve({
				url: `http://127.0.0.1:${port}`,
				close: () =>
					new Promise<void>((done) => {
						server.closeAllConnections();
						server.close(() => done());
					}),
			});
		});
	});
}

export function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
		req.on("error", reject);
	});
}
