import { z } from "zod";
import { decodeCursor, keysetPage } from "../http/cursor";
import { ApiError } from "../http/errors";
import { apiRouter, declareRoute, reply } from "../http/route";
import { jsonContent as json, millis, nextCursor } from "../http/schemas";
import {
	claimReplay,
	type DeadLetter,
	deleteDeadLetter,
	findDeadLetter,
	listDeadLetters,
	releaseReplay,
	type Scope,
} from "./queries";
import { isWorkQueue, replayTarget, WORK_QUEUES } from "./queues";

// Two views of one table. A workspace's API key sees the dead letters whose body names that workspace. The admin
// token sees all of them, and is the only one to see those that name none (poison that could not be read, a send
// message, which carries only its message id): a body that names no workspace cannot be shown to any one of them.

const DeadLetterView = z
	.strictObject({
		id: z.string().describe("The dead-letter queue message's id."),
		queue: z.enum(Object.keys(WORK_QUEUES) as [keyof typeof WORK_QUEUES]).describe("Where it failed, and replays to."),
		workspaceId: z.string().nullable().describe("The workspace its body names; null when none (or several)."),
		reason: z.string().describe("Why the consumer gave up on it."),
		body: z.unknown().describe("The message body, as the queue carried it."),
		originalMessageId: z.string().nullable(),
		receivedAt: millis,
		replayedAt: millis.nullable(),
	})
	.meta({ id: "DeadLetter" });

const DeadLetterList = z
	.strictObject({ deadLetters: z.array(DeadLetterView), nextCursor })
	.meta({ id: "DeadLetterList" });

const Replayed = z
	.strictObject({
		deadLetter: DeadLetterView,
		replayed: z.boolean().describe("true: this call sent it back; false: it had been replayed before, nothing sent."),
	})
	.meta({ id: "DeadLetterReplay" });

const ListQuery = z.object({
	status: z.enum(["pending", "replayed", "all"]).default("pending"),
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z.string().optional(),
});
const AdminListQuery = ListQuery.extend({
	workspaceId: z.string().optional().describe('Only this workspace\'s, or "none" for those naming no workspace.'),
});
const Id = z.object({ id: z.string().describe("The dead letter's id.") });

function shown(letter: DeadLetter): z.infer<typeof DeadLetterView> {
	let body: unknown = null;
	try {
		body = JSON.parse(letter.body);
	} catch {
		body = letter.body;
	}
	return { ...letter, queue: isWorkQueue(letter.queue) ? letter.queue : "tapline-events", body };
}

async function replay(env: Env, scope: Scope, id: string, now: number) {
	const letter = await findDeadLetter(env.DB, scope, id);
	if (!letter) throw new ApiError("not_found", "No dead letter with that id here.");
	if (!isWorkQueue(letter.queue)) throw new ApiError("conflict", `Dead letters of ${letter.queue} cannot be replayed.`);
	if (!(await claimReplay(env.DB, letter.id, now))) {
		return { deadLetter: shown((await findDeadLetter(env.DB, scope, id)) ?? letter), replayed: false };
	}
	try {
		await replayTarget(env, letter.queue).send(JSON.parse(letter.body), { contentType: "json" });
	} catch (err) {
		await releaseReplay(env.DB, letter.id, now);
		console.error(JSON.stringify({ msg: "dead letter replay failed", id: letter.id, error: String(err) }));
		throw new ApiError("unavailable", `The queue ${letter.queue} did not take the message; try again.`);
	}
	return { deadLetter: shown({ ...letter, replayedAt: now }), replayed: true };
}

type Who = "workspace" | "admin";

/** The routes for one kind of caller; `scopeOf` says whose dead letters the request may see. */
function deadLetterRoutes(who: Who) {
	const router = apiRouter();
	const auth = who === "admin" ? ("adminToken" as const) : ("apiKey" as const);
	const suffix = who === "admin" ? "AsAdmin" : "";
	const whose = who === "admin" ? "every workspace's, and those naming none" : "the workspace's";
	const scopeOf = (c: { get(key: "workspaceId"): string }, workspaceId?: string): Scope =>
		who === "workspace"
			? { workspaceId: c.get("workspaceId") }
			: workspaceId === undefined
				? "all"
				: workspaceId === "none"
					? "unscoped"
					: { workspaceId };

	const list = declareRoute({
		method: "get",
		path: "/",
		operationId: `listDeadLetters${suffix}`,
		tag: "Dead letters",
		auth,
		summary: `Messages the queues gave up on: ${whose}`,
		description:
			"Newest first. status: pending (default, not replayed yet), replayed or all; nextCursor pages. Each message of the three dead-letter queues is stored once.",
		request: { query: who === "admin" ? AdminListQuery : ListQuery },
		queryProblem: "The query is invalid: status is pending, replayed or all; limit is 1 to 100.",
		responses: { 200: { description: "A page of dead letters.", ...json(DeadLetterList) } },
		errors: [400, 401, 503],
	});
	router.openapi(list, async (c) => {
		const query = c.req.valid("query") as z.infer<typeof AdminListQuery>;
		const after = decodeCursor(query.cursor);
		const rows = await listDeadLetters(c.env.DB, scopeOf(c, query.workspaceId), {
			status: query.status,
			limit: query.limit + 1,
			after,
		});
		const { page, nextCursor } = keysetPage(rows, query.limit, (r) => ({ at: r.receivedAt, id: r.id }));
		return reply(c, list, 200, { deadLetters: page.map(shown), nextCursor });
	});

	const replayRoute = declareRoute({
		method: "post",
		path: "/{id}/replay",
		operationId: `replayDeadLetter${suffix}`,
		tag: "Dead letters",
		auth,
		summary: "Send a dead letter's body back to the queue it came from",
		description:
			"Once: a dead letter already replayed is answered as it is, with replayed false, and nothing is sent. A message that fails again comes back as a new dead letter.",
		request: { params: Id },
		responses: { 200: { description: "Replayed, or already replayed.", ...json(Replayed) } },
		errors: [401, 404, 409, 503],
	});
	router.openapi(replayRoute, async (c) => {
		const result = await replay(c.env, scopeOf(c), c.req.valid("param").id, Date.now());
		return reply(c, replayRoute, 200, result);
	});

	const remove = declareRoute({
		method: "delete",
		path: "/{id}",
		operationId: `deleteDeadLetter${suffix}`,
		tag: "Dead letters",
		auth,
		summary: "Discard a dead letter",
		request: { params: Id },
		responses: { 204: { description: "Discarded." } },
		errors: [401, 404, 503],
	});
	router.openapi(remove, async (c) => {
		const letter = await findDeadLetter(c.env.DB, scopeOf(c), c.req.valid("param").id);
		if (!letter) throw new ApiError("not_found", "No dead letter with that id here.");
		await deleteDeadLetter(c.env.DB, letter.id);
		return c.body(null, 204);
	});
	return router;
}

/** /api/v1/dead-letters: the workspace's, by its API key. */
export const workspaceDeadLetterRoutes = deadLetterRoutes("workspace");
/** /api/v1/admin/dead-letters: all of them, by the admin token. */
export const adminDeadLetterRoutes = deadLetterRoutes("admin");
