import { z } from "zod";

/**
 * What a queue carries: `{v, type, ...payload}`. `v` is the envelope's version, so that a consumer deployed after a
 * producer (or before) refuses a shape it does not know instead of misreading it; `type` tells envelopes that share
 * a queue apart. Each feature declares its own envelopes; this layer knows none of them.
 */
export function defineEnvelope<Type extends string, Version extends number, Shape extends z.ZodRawShape>(
	type: Type,
	version: Version,
	shape: Shape,
) {
	const schema = z.object({ v: z.literal(version), type: z.literal(type), ...shape });
	type Body = z.output<typeof schema>;
	type Payload = Omit<Body, "v" | "type">;
	return {
		schema,
		type,
		version,
		/** The envelope around a payload: the one way a producer builds it. */
		wrap: (payload: Payload): Body => ({ ...payload, v: version, type }) as Body,
	};
}
