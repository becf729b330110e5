import { z } from "zod";

// Pieces of response schemas that many features share.

export const millis = z.number().int().describe("Milliseconds since the epoch (UTC).");
export const isoTime = z.string().describe("ISO 8601 time in UTC.");
/** Amount per ISO 4217 currency, in major units: {"USD": 49.9}. */
export const revenue = z.record(z.string(), z.number());
export const rate = z.number().nullable().describe("A ratio rounded to 4 decimals; null when the denominator is 0.");
export const nextCursor = z.string().nullable().describe("Pass as cursor for the next page; null on the last.");

/** `{ content: { "application/json": { schema } } }`, the usual body of a request or response declaration. */
export const jsonContent = <S extends z.ZodType>(schema: S) => ({ content: { "application/json": { schema } } });
