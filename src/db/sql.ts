import type * as schema from "./schema";

// Queries are raw D1 SQL (json_each bulk writes stay under D1's 100 bound parameters, INDEXED BY names partial
// indexes, one batch is one transaction); this file only gives each statement a row type, tied to the schema.

type Schema = typeof schema;
type TableName = { [K in keyof Schema]: Schema[K] extends { $inferSelect: object } ? K : never }[keyof Schema];

/**
 * The row of every table as drizzle infers it from schema.ts (camelCase fields, SQL aliased to them). Row types
 * pick from these, so a column renamed or retyped in the schema breaks every query that reads it.
 */
export type Rows = { [K in TableName]: Schema[K] extends { $inferSelect: infer R } ? R : never };

/** A row as SQLite answers it: a boolean comes back as 0 or 1 (convert it with Boolean). */
export type SqliteRow<Row> = { [K in keyof Row]: Row[K] extends boolean ? number : Row[K] };

/** A value D1 binds to a `?N` parameter. */
export type Param = string | number | null;

/** A prepared statement that knows the type of the rows it answers (`never`: a write that answers none). */
export interface Statement<Row> extends D1PreparedStatement {
	readonly rowType?: Row;
}

type RowOf<S> = S extends Statement<infer Row> ? Row : never;

/** A statement written once: its SQL, the type of its rows, and the types of its parameters ?1, ?2, … in order. */
export interface Query<Row, Params extends Param[]> {
	readonly sql: string;
	bind(d1: D1Database, ...params: Params): Statement<Row>;
}

export function query<Row = never, Params extends Param[] = Param[]>(sql: string): Query<Row, Params> {
	return { sql, bind: (d1, ...params) => d1.prepare(sql).bind(...params) as Statement<Row> };
}

export async function all<Row>(statement: Statement<Row>): Promise<Row[]> {
	return (await statement.all<Row>()).results;
}

export function first<Row>(statement: Statement<Row>): Promise<Row | null> {
	return statement.first<Row>();
}

/** Runs a write; answers how many rows it changed. */
export async function run(statement: Statement<unknown>): Promise<number> {
	return (await statement.run()).meta.changes;
}

/** Runs statements as one D1 batch (one transaction); each result keeps the row type of its statement. */
export function batch<const S extends readonly Statement<unknown>[]>(
	d1: D1Database,
	statements: S,
): Promise<{ -readonly [I in keyof S]: D1Result<RowOf<S[I]>> }> {
	return d1.batch([...statements]) as never;
}

/** SQL with named parameters, numbered for D1 (which binds by position), and its values in that order. */
export interface BoundQuery {
	sql: string;
	params: Param[];
}

/**
 * Numbers the named parameters of a statement (`?campaign` → `?1`, the same name the same number, in order of
 * first use) and lists their values in that order. Named parameters read better where a query has many.
 */
export function bindNamed(statement: string, values: Record<string, Param>): BoundQuery {
	const names: string[] = [];
	const sql = statement.replace(/\?([A-Za-z]+)/g, (_, name: string) => {
		if (!Object.hasOwn(values, name)) throw new Error(`no value for ?${name}`);
		if (!names.includes(name)) names.push(name);
		return `?${names.indexOf(name) + 1}`;
	});
	return { sql, params: names.map((name) => values[name] as Param) };
}
