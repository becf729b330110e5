// npm run db:check — fails when src/db/schema.ts and migrations/ disagree.
//
// drizzle-kit generate compares the schema with the last snapshot in migrations/meta and writes a new migration
// when they differ. Run into a throwaway copy of migrations/, it must find nothing to write: then the schema, the
// snapshots and the journal agree, and nothing is left behind. Every SQL file must also be in the journal (and the
// other way round): `wrangler d1 migrations apply` runs the flat SQL files, drizzle-kit reads only the journal, so a
// migration written by hand next to them would otherwise go unseen. Offline: drizzle-kit only reads files here.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const migrations = join(root, "migrations");
// The package exports neither its bin nor its package.json: the bin sits next to its main entry.
const drizzleKit = join(dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");

class Disagreement extends Error {}

function fail(lines) {
	throw new Disagreement(["db:check: src/db/schema.ts and migrations/ disagree.", ...lines].join("\n"));
}

function check() {
	const sqlFiles = readdirSync(migrations).filter((f) => f.endsWith(".sql"));
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

	const copy = mkdtempSync(join(tmpdir(), "tapline-migrations-"));
	try {
		const out = join(copy, "migrations");
		cpSync(migrations, out, { recursive: true });
		const list = () => readdirSync(out, { recursive: true }).sort();
		const before = list();
		// stdin closed: where drizzle-kit would ask (a column renamed or dropped?) it stops instead of waiting.
		const run = spawnSync(
			process.execPath,
			// drizzle-kit prefixes "./" to the output path, so it must be relative.
			[drizzleKit, "generate", "--dialect", "sqlite", "--schema", "./src/db/schema.ts", "--out", relative(root, out)],
			{ cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 },
		);
		const added = list().filter((f) => !before.includes(f));
		const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
		if (added.length > 0) {
			const sql = added.filter((f) => f.endsWith(".sql")).map((f) => readFileSync(join(out, f), "utf8").trim());
			fail([
				"drizzle-kit generate would write a new migration:",
				...sql.map((text) => text.replace(/^/gm, "  ")),
				"Run `npm run db:generate` and commit the migration, or change schema.ts back.",
			]);
		}
		// drizzle-kit answers 0 even when it fails, so its own words are the signal.
		if (run.error || run.status !== 0 || !output.includes("No schema changes")) {
			fail([
				"drizzle-kit generate did not confirm there is nothing to migrate:",
				...(run.error ? String(run.error) : output.trim())
					.split("\n")
					.filter((line) => !/^\s+at /.test(line))
					.map((line) => `  ${line}`),
				"Run `npm run db:generate` to see what it wants (a rename asks which column is which).",
			]);
		}
		console.log("db:check: schema.ts and migrations/ agree.");
	} finally {
		rmSync(copy, { recursive: true, force: true });
	}
}

try {
	check();
} catch (err) {
	if (!(err instanceof Disagreement)) throw err;
	console.error(err.message);
	process.exitCode = 1;
}
