// The real Worker with a movable clock, for `npm run seed` only (src/demo/seed/main.ts runs it under `wrangler dev`;
// it is never deployed). The demo data must lie on past days, and Tapline stamps taps, sends, receipts and cron
// decisions with Date.now(): rather than write rows by hand, which would duplicate the aggregator, the seed moves
// this isolate's clock to each moment of its timeline and drives the real app through its real HTTP API.
//
// - `POST /__seed/clock {"at": <epoch ms>}` (admin token): from now on, Date.now() and `new Date()` read that moment
//   plus the real time elapsed since. Queue consumers and the cron run in this isolate, so they see it too.
// - `x-seed-country` / `x-seed-city` on a request become its `request.cf` country and city, which `wrangler dev`
//   cannot supply offline, so that the country breakdown has something to show.
import worker from "../index";

const RealDate = Date;
let offsetMs = 0;

class SeedDate extends RealDate {
	constructor(...args: unknown[]) {
		// Only the argument-less form reads the clock; every other form names its moment.
		if (args.length === 0) super(RealDate.now() + offsetMs);
		else super(...(args as [number]));
	}

	static override now(): number {
		return RealDate.now() + offsetMs;
	}
}
globalThis.Date = SeedDate as DateConstructor;

async function setClock(request: Request, env: Env): Promise<Response> {
	if (!env.ADMIN_TOKEN || request.headers.get("authorization") !== `Bearer ${env.ADMIN_TOKEN}`) {
		return Response.json({ error: { code: "unauthorized", message: "The admin token is required." } }, { status: 401 });
	}
	const body = (await request.json().catch(() => null)) as { at?: unknown } | null;
	if (typeof body?.at !== "number" || !Number.isSafeInteger(body.at)) {
		return Response.json(
			{ error: { code: "bad_request", message: "Give {at: epoch milliseconds}." } },
			{ status: 400 },
		);
	}
	offsetMs = body.at - RealDate.now();
	return Response.json({ now: Date.now(), offsetMs });
}

function withSeedGeo(request: Request): Request {
	const country = request.headers.get("x-seed-country");
	if (country === null) return request;
	const city = request.headers.get("x-seed-city");
	const headers = new Headers(request.headers);
	headers.delete("x-seed-country");
	headers.delete("x-seed-city");
	const cf = { ...(request.cf ?? {}), country, city: city ?? undefined, colo: "SEED" };
	return new Request(request, { headers, cf: cf as RequestInit["cf"] });
}

export default {
	async fetch(request, env, ctx) {
		if (new URL(request.url).pathname === "/__seed/clock" && request.method === "POST") return setClock(request, env);
		return worker.fetch(withSeedGeo(request), env, ctx);
	},
	queue: (batch, env) => worker.queue(batch, env),
	scheduled: (controller, env) => worker.scheduled(controller, env),
} satisfies ExportedHandler<Env, unknown>;
