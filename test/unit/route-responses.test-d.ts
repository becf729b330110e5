// Type-level test, checked by `npm run typecheck`: a handler cannot answer with a field its response schema lacks.
import { z } from "zod";
import { apiRouter, declareRoute, reply } from "../../src/http/route";

const Body = z.strictObject({ name: z.string(), counts: z.strictObject({ total: z.number() }) });
const route = declareRoute({
	method: "get",
	path: "/thing",
	tag: "Test",
	summary: "A thing",
	responses: { 200: { description: "The thing.", content: { "application/json": { schema: Body } } } },
	errors: [401, 404],
});
const router = apiRouter();

router.openapi(route, (c) => reply(c, route, 200, { name: "a", counts: { total: 1 } }));
// @ts-expect-error a field the schema lacks
router.openapi(route, (c) => reply(c, route, 200, { name: "a", counts: { total: 1 }, secret: "x" }));
// @ts-expect-error a nested field the schema lacks
router.openapi(route, (c) => reply(c, route, 200, { name: "a", counts: { total: 1, extra: 2 } }));
// @ts-expect-error a field the schema requires is missing
router.openapi(route, (c) => reply(c, route, 200, { name: "a" }));
// @ts-expect-error a status the route does not declare
router.openapi(route, (c) => reply(c, route, 201, { name: "a", counts: { total: 1 } }));
// @ts-expect-error a wrongly typed field, even through plain c.json
router.openapi(route, (c) => c.json({ name: 1, counts: { total: 1 } }, 200));

// Through a spread or a variable too, not only in an object literal.
const stored = { name: "a", counts: { total: 1 }, internalNote: "x" };
// @ts-expect-error a field of a wider object, spread in
router.openapi(route, (c) => reply(c, route, 200, { ...stored }));
// @ts-expect-error a wider object passed as it is
router.openapi(route, (c) => reply(c, route, 200, stored));
const { internalNote: _, ...shown } = stored;
router.openapi(route, (c) => reply(c, route, 200, shown));
