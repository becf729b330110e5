#!/usr/bin/env node
// Prints the folder-level dependency graph of src/ and fails on a cycle between folders that docs/adr does not
// justify. A folder is src/<name>/ (its subfolders included); a file at the top of src/ is a node of its own.
// `node .ci/folder-graph.mjs` prints the graph; `--check` prints only the problems (npm run check runs it).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
// Two-way pairs kept on purpose, each with the ADR that says why. Keep this list empty unless an ADR argues for it.
const JUSTIFIED = new Map([]);

function files(dir) {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return files(path);
		return /\.(ts|tsx|mjs|js)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
	});
}

function nodeOf(file) {
	const parts = relative(SRC, file).split("/");
	return parts.length === 1 ? `${parts[0].replace(/\.(ts|tsx|mjs|js)$/, "")}.ts` : `${parts[0]}/`;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gs;
const edges = new Map();
for (const file of files(SRC)) {
	const from = nodeOf(file);
	for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
		const spec = match[1] ?? match[2];
		if (!spec?.startsWith(".")) continue;
		const target = resolve(dirname(file), spec);
		if (!target.startsWith(`${SRC}/`)) continue;
		const to = nodeOf(
			target.endsWith(".ts") || target.endsWith(".tsx") || target.endsWith(".mjs") ? target : `${target}.ts`,
		);
		if (to === from) continue;
		if (!edges.has(from)) edges.set(from, new Set());
		edges.get(from).add(to);
	}
}

// Strongly connected components (Tarjan): any with more than one node is a cycle between folders.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
let counter = 0;
function visit(node) {
	index.set(node, counter);
	low.set(node, counter);
	counter++;
	stack.push(node);
	onStack.add(node);
	for (const next of edges.get(node) ?? []) {
		if (!index.has(next)) {
			visit(next);
			low.set(node, Math.min(low.get(node), low.get(next)));
		} else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
	}
	if (low.get(node) === index.get(node)) {
		const component = [];
		let member;
		do {
			member = stack.pop();
			onStack.delete(member);
			component.push(member);
		} while (member !== node);
		if (component.length > 1) components.push(component.sort());
	}
}
const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
for (const node of nodes) if (!index.has(node)) visit(node);

const pairs = [];
for (const a of nodes) {
	for (const b of edges.get(a) ?? []) if (a < b && edges.get(b)?.has(a)) pairs.push(`${a} <-> ${b}`);
}
const unjustified = pairs.filter((p) => !JUSTIFIED.has(p));
const cycles = components.filter((c) => !c.every((n) => pairs.some((p) => JUSTIFIED.has(p) && p.includes(n))));

if (!process.argv.includes("--check")) {
	const width = Math.max(...nodes.map((n) => n.length));
	for (const node of nodes)
		console.log(`${node.padEnd(width)} -> ${[...(edges.get(node) ?? [])].sort().join(" ") || "(nothing)"}`);
	console.log("");
}
for (const pair of unjustified) console.log(`two-way: ${pair}`);
for (const component of cycles) console.log(`cycle: ${component.join(" -> ")}`);
if (unjustified.length > 0 || cycles.length > 0) {
	console.error(
		"folder-graph: src/ has import cycles between folders; break them, or justify one in docs/adr and in JUSTIFIED.",
	);
	process.exit(1);
}
console.log(`folder-graph: ${nodes.length} nodes, no cycle between folders`);
