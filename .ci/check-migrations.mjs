// npm run db:check — fails when src/db/schema.ts and migrations/ disagree. Offline, and leaves no file behind.
//
// 1. Every SQL file is in migrations/meta/_journal.json and the other way round: `wrangler d1 migrations apply`
//    runs the flat SQL files, drizzle-kit reads only the journal, so a migration written by hand next to them
//    would otherwise go unseen.
// 2. drizzle-kit generate, run into a throwaway copy of migrations/, finds nothing to write: the schema agrees
//    with the last snapshot.
// 3. The SQL files, applied in order to an empty SQLite database, build the tables, columns, indexes (partial ones
//    with their WHERE) and foreign keys that the schema alone generates: a migration edited by hand is caught too.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const migrations = join(root, "migrations");
// The package exports neither its bin nor its package.json: the bin sits next to its main entry.
const drizzleKit = join(dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");

class Disagreement extends Error {}

function fail(lines) {
	throw new Disagreement(["db:check: src/db/schema.ts and migrations/ disagree.", ...lines].join("\n"));
}

const indent = (text) =>
	text
		.split("\n")
		.filter((line) => !/^\s+at /.test(line))
		.map((line) => `  ${line}`);

const sqlFilesOf = (dir) =>
	readdirSync(dir)
		.filter((f) => f.endsWith(".sql"))
		.sort();

/** drizzle-kit generate from the schema into `out`; answers the files it added. */
function generate(out) {
	const before = new Set(readdirSync(out, { recursive: true }));
	// stdin closed: where drizzle-kit would ask (a column renamed or dropped?) it stops instead of waiting.
	const run = spawnSync(
		process.execPath,
		// drizzle-kit prefixes "./" to the output path, so it must be relative.
		[drizzleKit, "generate", "--dialect", "sqlite", "--schema", "./src/db/schema.ts", "--out", relative(root, out)],
		{ cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 },
	);
	const added = readdirSync(out, { recursive: true }).filter((f) => !before.has(f));
	const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
	// drizzle-kit answers 0 even when it fails, so its own words are the signal.
	const wrote = added.length > 0;
	if (run.error || run.status !== 0 || (!wrote && !output.includes("No schema changes"))) {
		fail([
			"drizzle-kit generate failed or did not confirm there is nothing to migrate:",
			...indent(run.error ? String(run.error) : output.trim()),
			"Run `npm run db:generate` to see what it wants (a rename asks which column is which).",
		]);
	}
	return added;
}

/** The shape of a database built by running SQL files in order: per table, sorted lines to compare. */
function shapeOf(dir) {
	const db = new DatabaseSync(":memory:");
	try {
		for (const file of sqlFilesOf(dir)) db.exec(readFileSync(join(dir, file), "utf8"));
		const where = (sql) => /\bWHERE\b(.*)$/is.exec(sql ?? "")?.[1]?.replace(/[`"\s]/g, "") ?? "";
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
			.all()
			.map((t) => t.name);
		return new Map(
			tables.map((table) => {
				const lines = [
					...db
						.prepare(`PRAGMA table_xinfo("${table}")`)
						.all()
						.map((c) => `column ${c.name} ${c.type}${c.notnull ? " NOT NULL" : ""} default=${c.dflt_value} pk=${c.pk}`),
					...db
						.prepare(`PRAGMA foreign_key_list("${table}")`)
						.all()
						.map((f) => `foreign key ${f.from} -> ${f.table}(${f.to})`),
					...db
						.prepare(`PRAGMA index_list("${table}")`)
						.all()
						.filter((i) => i.origin === "c")
						.map((i) => {
							const columns = db
								.prepare(`PRAGMA index_info("${i.name}")`)
								.all()
								.map((c) => c.name);
							const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(i.name);
							const partial = where(sql);
							return `${i.unique ? "unique index" : "index"} ${i.name} (${columns})${partial ? ` WHERE ${partial}` : ""}`;
						}),
				];
				return [table, lines.sort()];
			}),
		);
	} finally {
		db.close();
	}
}

function check() {
	const sqlFiles = sqlFilesOf(migrations);
	const journal = JSON.parse(readFileSync(join(migrations, "meta", "_journal.json"), "utf8"));
	const tags = journal.entries.map((e) => `${e.tag}.sql`);
	const unjournaled = sqlFiles.filter((f) => !tags.includes(f));
	const missing = tags.filter((f) => !sqlFiles.includes(f));
	if (unjournaled.length > 0 || missing.length > 0) {
		fail([
			...unjournaled.map((f) => `  migrations/${f} is not in migrations/meta/_journal.json (written by hand?)`),
			...missing.map((f) => `  migrations/meta/_journal.json names ${f}, which is not in migrations/`),
			"Write migrations with `npm run db:generate`, which keeps the SQL, the journal and the snapshots together.",
		]);
	}

	const scratch = mkdtempSync(join(tmpdir(), "tapline-migrations-"));
	try {
		const copy = join(scratch, "migrations");
		cpSync(migrations, copy, { recursive: true });
		const added = generate(copy);
		if (added.length > 0) {
			fail([
				"drizzle-kit generate would write a new migration:",
				...added.filter((f) => f.endsWith(".sql")).flatMap((f) => indent(readFileSync(join(copy, f), "utf8").trim())),
				"Run `npm run db:generate` and commit the migration, or change schema.ts back.",
			]);
		}

		const fresh = join(scratch, "fresh");
		mkdirSync(fresh);
		generate(fresh);
		const built = shapeOf(migrations);
		const wanted = shapeOf(fresh);
		const differences = [];
		for (const table of new Set([...built.keys(), ...wanted.keys()])) {
			const have = built.get(table) ?? [];
			const want = wanted.get(table) ?? [];
			for (const line of want.filter((l) => !have.includes(l))) differences.push(`  ${table}: missing ${line}`);
			for (const line of have.filter((l) => !want.includes(l)))
				differences.push(`  ${table}: not in schema.ts ${line}`);
		}
		if (differences.length > 0) {
			fail([
				"The SQL files in migrations/, applied in order, do not build what schema.ts describes:",
				...differences,
				"A migration was edited by hand? Put it back, or change schema.ts and run `npm run db:generate`.",
			]);
		}
		console.log("db:check: schema.ts and migrations/ agree.");
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}

try {
	check();
} catch (err) {
	if (!(err instanceof Disagreement)) throw err;
	console.error(err.message);
	process.exitCode = 1;
}
