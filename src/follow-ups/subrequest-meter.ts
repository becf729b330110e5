// Counts what a cron job asks of the platform: each D1 statement (one in a batch counts as one, the stricter
// reading of D1's 1,000 queries per invocation) and each queue call (a subrequest). A job checks the count
// before each step, so that it stops within its budget instead of failing at the platform's limit.

export interface Metered {
	env: Env;
	/** Statements and queue calls made through `env` so far. */
	used(): number;
}

export function meter(env: Env): Metered {
	let used = 0;
	const count = (n = 1) => {
		used += n;
	};
	return { env: { ...env, DB: countingD1(env.DB, count), SENDS: countingQueue(env.SENDS, count) }, used: () => used };
}

function countingD1(d1: D1Database, count: (n?: number) => void): D1Database {
	const real = new WeakMap<object, D1PreparedStatement>();
	const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
		const wrapped = {
			bind: (...values: unknown[]) => wrap(statement.bind(...values)),
			first: (column?: string) => {
				count();
				return column === undefined ? statement.first() : statement.first(column);
			},
			run: () => {
				count();
				return statement.run();
			},
			all: () => {
				count();
				return statement.all();
			},
			raw: (options?: { columnNames?: boolean }) => {
				count();
				return statement.raw(options as { columnNames: true });
			},
		};
		real.set(wrapped, statement);
		return wrapped as unknown as D1PreparedStatement;
	};
	const wrapped = {
		prepare: (sql: string) => wrap(d1.prepare(sql)),
		batch: (statements: D1PreparedStatement[]) => {
			count(statements.length);
			return d1.batch(statements.map((s) => real.get(s) ?? s));
		},
		exec: (sql: string) => {
			count();
			return d1.exec(sql);
		},
	};
	return wrapped as unknown as D1Database;
}

function countingQueue(queue: Queue, count: () => void): Queue {
	const wrapped = {
		send: (body: unknown, options?: QueueSendOptions) => {
			count();
			return queue.send(body, options);
		},
		sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
			count();
			return queue.sendBatch(messages, options);
		},
	};
	return wrapped as unknown as Queue;
}
