// Outside references for the redirect benchmark, run as their own process so that their CPU can be read from /proc:
//   bare   — a plain node:http server answering every request with a constant 302;
//   sqlite — node:http plus a lookup of the code in SQLite (node:sqlite, built into Node 22: no native addon to
//            download or compile) on every request, then a 302.
// Usage: node bench/ref-server.ts <bare|sqlite> <sqlite file>; prints the port once listening.
import { createServer } from "node:http";
import { DatabaseSync } from "node:sqlite";

const [mode, file] = process.argv.slice(2);
const location = "https://shop.example/sale?utm_source=sms&utm_medium=sms&utm_campaign=spring-sale";
const lookup =
	mode === "sqlite"
		? new DatabaseSync(file ?? ":memory:").prepare("SELECT destination FROM links WHERE code = ?")
		: null;

const server = createServer((req, res) => {
	if (!lookup) {
		res.writeHead(302, { location, "cache-control": "private, no-store" }).end();
		return;
	}
	const row = lookup.get((req.url ?? "/").slice(1)) as { destination: string } | undefined;
	if (!row) {
		res.writeHead(404, { "content-type": "text/html; charset=utf-8" }).end("<p>Not found</p>");
		return;
	}
	res.writeHead(302, { location: row.destination, "cache-control": "private, no-store" }).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
	const address = server.address();
	process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
});
