// A small closed-loop HTTP/1.1 load generator on raw keep-alive sockets: N connections, each sending its next
// request as soon as the previous response is complete, for a fixed time. Raw sockets rather than node:http because
// the generator shares a 2-core machine with the server and must cost it as little as possible.
import { connect, type Socket } from "node:net";

export interface LoadOptions {
	port: number;
	connections: number;
	durationMs: number;
	/** Stops after this many requests, if sooner. */
	maxRequests?: number;
	/** The next request's path; called once per request. */
	nextPath: () => string;
	userAgent: string;
}

export interface LoadResult {
	requests: number;
	byStatus: Record<number, number>;
	errors: number;
	seconds: number;
	rps: number;
	p50Ms: number;
	p99Ms: number;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("0\r\n\r\n");

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	const latencies: number[] = [];
	const byStatus: Record<number, number> = {};
	let errors = 0;
	const start = performance.now();
	const deadline = start + options.durationMs;
	const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
	let issued = 0;
	const prefix = `HTTP/1.1\r\nHost: tapline.bench\r\nUser-Agent: ${options.userAgent}\r\nAccept: */*\r\n\r\n`;

	const runConnection = () =>
		new Promise<void>((resolve) => {
			const socket: Socket = connect({ port: options.port, host: "127.0.0.1", noDelay: true });
			let buffer: Buffer = Buffer.alloc(0);
			let sentAt = 0;
			const send = () => {
				if (performance.now() >= deadline || issued >= maxRequests) {
					socket.end();
					resolve();
					return;
				}
				issued += 1;
				sentAt = performance.now();
				socket.write(`GET ${options.nextPath()} ${prefix}`);
			};
			socket.on("connect", send);
			socket.on("data", (chunk: Buffer) => {
				buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
				for (;;) {
					const headerEnd = buffer.indexOf(HEADER_END);
					if (headerEnd < 0) return;
					const head = buffer.subarray(0, headerEnd).toString("latin1");
					const bodyStart = headerEnd + 4;
					let end: number;
					const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
					if (length) {
						end = bodyStart + Number(length[1]);
					} else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
						const last = buffer.indexOf(CHUNKED_END, bodyStart);
						if (last < 0) return;
						end = last + CHUNKED_END.length;
					} else {
						end = bodyStart;
					}
					if (buffer.length < end) return;
					const status = Number(head.slice(9, 12));
					byStatus[status] = (byStatus[status] ?? 0) + 1;
					latencies.push(performance.now() - sentAt);
					buffer = buffer.subarray(end);
					send();
				}
			});
			socket.on("error", () => {
				errors += 1;
				resolve();
			});
			socket.on("close", () => resolve());
		});

	await Promise.all(Array.from({ length: options.connections }, runConnection));
	const seconds = (performance.now() - start) / 1000;
	latencies.sort((a, b) => a - b);
	const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
	return {
		requests: latencies.length,
		byStatus,
		errors,
		seconds,
		rps: latencies.length / seconds,
		p50Ms: at(0.5),
		p99Ms: at(0.99),
	};
}
