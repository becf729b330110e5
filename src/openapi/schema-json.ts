import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };

const TARGET = "draft-2020-12";

// zod bounds every .int() by the safe-integer range; said on every count, it is noise in the document.
function dropSafeIntegerBounds({ jsonSchema }: { jsonSchema: JsonSchema }): void {
	if (jsonSchema.type !== "integer") return;
	if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
	if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** The schemas of a registry (the webhook payloads), with references between them pointing into the document's components. */
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
