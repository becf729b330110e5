// Counts what code under test asks of D1 and the send queue, independently of the code's own accounting: every
// statement (each statement of a batch counts, the stricter reading of D1's 1,000 queries per invocation) and every
// queue call.
export interface Counted {
	env: Env;
	count(): number;
}

export function countingEnv(env: Env): Counted {
	let count = 0;
	const originals = new WeakMap<object, D1PreparedStatement>();
	const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
		const counted = (run: () => Promise<unknown>) => {
			count++;
			return run();
		};
		const wrapped = {
			bind: (...values: unknown[]) => wrap(statement.bind(...values)),
			first: (column?: string) => counted(() => (column ? statement.first(column) : statement.first())),
			run: () => counted(() => statement.run()),
			all: () => counted(() => statement.all()),
			raw: () => counted(() => statement.raw()),
		};
		originals.set(wrapped, statement);
		return wrapped as unknown as D1PreparedStatement;
	};
	const db = {
		prepare: (sql: string) => wrap(env.DB.prepare(sql)),
		batch: (statements: D1PreparedStatement[]) => {
			count += statements.length;
			return env.DB.batch(statements.map((s) => originals.get(s) ?? s));
		},
		exec: (sql: string) => {
			count++;
			return env.DB.exec(sql);
		},
	};
	const sends = {
		send: (body: unknown, options?: QueueSendOptions) => {
			count++;
			return env.SENDS.send(body, options);
		},
		sendBatch: (messages: Iterable<MessageSendRequest>) => {
			count++;
			return env.SENDS.sendBatch(messages);
		},
	};
	return { env: { ...env, DB: db as unknown as D1Database, SENDS: sends as unknown as Queue }, count: () => count };
}
