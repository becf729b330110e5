// CPU time and memory of a process tree, read from /proc (Linux only).
import { readdirSync, readFileSync } from "node:fs";

// USER_HZ: utime and stime in /proc/<pid>/stat are in clock ticks of 1/100 s on Linux.
const TICKS_PER_SECOND = 100;

interface Stat {
	pid: number;
	ppid: number;
	comm: string;
	ticks: number;
}

function readStat(pid: number): Stat | null {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		// comm may hold spaces and parentheses: the fields after it start at the last ")".
		const end = text.lastIndexOf(")");
		const fields = text.slice(end + 2).split(" ");
		return {
			pid,
			ppid: Number(fields[1]),
			comm: text.slice(text.indexOf("(") + 1, end),
			// utime + stime cover every thread of the process (fields 14 and 15 of stat).
			ticks: Number(fields[11]) + Number(fields[12]),
		};
	} catch {
		return null;
	}
}

/** The process and all its descendants. */
export function processTree(root: number): number[] {
	const stats = readdirSync("/proc")
		.filter((name) => /^\d+$/.test(name))
		.map((name) => readStat(Number(name)))
		.filter((s): s is Stat => s !== null);
	const tree = new Set([root]);
	for (let grown = true; grown; ) {
		grown = false;
		for (const s of stats) {
			if (tree.has(s.ppid) && !tree.has(s.pid)) {
				tree.add(s.pid);
				grown = true;
			}
		}
	}
	return [...tree];
}

/** The descendants of this process whose command is `comm` (e.g. the workerd that Miniflare spawned). */
export function descendantsNamed(comm: string): number[] {
	return processTree(process.pid).filter((pid) => pid !== process.pid && readStat(pid)?.comm === comm);
}

/** CPU seconds (user + system) used so far by these processes. */
export function cpuSeconds(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
	return ticks / TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by these processes' live threads, from /proc/<pid>/task/<tid>/schedstat (nanoseconds on
 * CPU): for spans too short for the 10 ms ticks of cpuSeconds. Threads that exit in between are not counted.
 */
export function cpuSecondsFine(pids: number[]): number {
	let ns = 0;
	for (const pid of pids) {
		try {
			for (const tid of readdirSync(`/proc/${pid}/task`)) {
				ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0] ?? 0);
			}
		} catch {
			// The process or thread has exited.
		}
	}
	return ns / 1e9;
}

/** Resident memory of these processes, in bytes. */
export function rssBytes(pids: number[]): number {
	let kb = 0;
	for (const pid of pids) {
		try {
			const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
			kb += Number(match?.[1] ?? 0);
		} catch {
			// The process has exited.
		}
	}
	return kb * 1024;
}

/** Samples the resident memory of `pids` every `everyMs` while `work` runs; answers the peak. */
export async function peakRss<T>(
	pids: number[],
	work: () => Promise<T>,
	everyMs = 20,
): Promise<{ result: T; peak: number }> {
	let peak = rssBytes(pids);
	const timer = setInterval(() => {
		peak = Math.max(peak, rssBytes(pids));
	}, everyMs);
	try {
		const result = await work();
		peak = Math.max(peak, rssBytes(pids));
		return { result, peak };
	} finally {
		clearInterval(timer);
	}
}
