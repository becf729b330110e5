import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };

const TARGET = "draft-2020-12";

// zod bounds every .int() by the safe-integer range; said on every count, it is noise in the document.
function dropSafeIntegerBounds({ jsonSchema }: { jsonSchema: JsonSchema }): void {
	if (jsonSchema.type !== "integer") return;
	if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
	if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** A request schema as a client must send it: the input side of the zod schema the route validates with. */
export function inputSchema(schema: z.ZodType): JsonSchema {
	const { $schema: _, ...json } = z.toJSONSchema(schema, {
		target: TARGET,
		io: "input",
		override: dropSafeIntegerBounds,
	}) as JsonSchema;
	return json;
}

/** The registered response schemas, with references between them pointing into the document's components. */
export function componentSchemas(registry: z.core.$ZodRegistry<{ id: string }>): Record<string, JsonSchema> {
	const { schemas } = z.toJSONSchema(registry, {
		target: TARGET,
		io: "output",
		override: dropSafeIntegerBounds,
		uri: (id) => `#/components/schemas/${id}`,
	}) as { schemas: Record<string, JsonSchema> };
	return Object.fromEntries(
		Object.entries(schemas).map(([id, { $schema: _, $id: __, id: ___, ...json }]) => [id, json as JsonSchema]),
	);
}

export const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });

/**
 * The object at `path` inside a generated schema, for a documented refinement (an item shape checked by hand, a
 * constraint a `.refine` enforces). Throws when the path is gone, so that a changed route schema fails loudly
 * here instead of leaving the document quietly wrong.
 */
export function at(schema: JsonSchema, ...path: (string | number)[]): JsonSchema {
	let node: unknown = schema;
	for (const key of path) {
		node = (node as Record<string | number, unknown> | undefined)?.[key];
		if (typeof node !== "object" || node === null) {
			throw new Error(`OpenAPI document: no ${path.join(".")} in the generated schema`);
		}
	}
	return node as JsonSchema;
}
