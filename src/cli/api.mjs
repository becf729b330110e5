// The CLI's HTTP client: the API key on every call, retries with backoff where repeating is safe, and the API's
// JSON errors turned into messages a person can act on.

/** A failure the CLI reports and exits on; `exitCode` 2 is a usage problem, 1 anything else. */
export class CliError extends Error {
	/**
	 * @param {string} message
	 * @param {number} [exitCode]
	 */
	constructor(message, exitCode = 1) {
		super(message);
		this.name = "CliError";
		this.exitCode = exitCode;
	}
}

/**
 * @typedef {{ path?: string, message: string, index?: number }} ErrorDetail
 * @typedef {{ code: string, message: string, requestId?: string, details?: ErrorDetail[] }} ApiErrorBody
 */

/** An error answer of the API, with its `{error:{code,message,details}}`. */
export class ApiError extends CliError {
	/**
	 * @param {number} status
	 * @param {ApiErrorBody} body
	 */
	constructor(status, body) {
		super(formatApiError(status, body));
		this.name = "ApiError";
		this.status = status;
		this.body = body;
	}
}

/**
 * @param {number} status
 * @param {ApiErrorBody} error
 */
function formatApiError(status, error) {
	const lines = [`The API answered ${status} ${error.code}: ${error.message}`];
	for (const detail of (error.details ?? []).slice(0, 20)) {
		lines.push(`  - ${detail.path ? `${detail.path}: ` : ""}${detail.message}`);
	}
	if ((error.details?.length ?? 0) > 20) lines.push(`  … and ${(error.details?.length ?? 0) - 20} more`);
	if (error.requestId) lines.push(`  (request id ${error.requestId})`);
	return lines.join("\n");
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * @typedef {object} ClientOptions
 * @property {string} url
 * @property {string} key
 * @property {number} [retries] attempts after the first, for 429, 5xx and network errors
 * @property {(message: string) => void} [onRetry]
 */

export class Client {
	/** @param {ClientOptions} options */
	constructor(options) {
		this.base = options.url.replace(/\/+$/, "");
		this.key = options.key;
		this.retries = options.retries ?? 8;
		this.onRetry = options.onRetry ?? (() => {});
	}

	/**
	 * Calls the API, retrying what can be retried; answers the response of a 2xx, throws ApiError otherwise.
	 * Only for requests that are safe to repeat (every Tapline write the CLI makes is idempotent).
	 * @param {string} method
	 * @param {string} path
	 * @param {unknown} [json]
	 * @returns {Promise<Response>}
	 */
	async request(method, path, json) {
		const url = `${this.base}/api/v1${path}`;
		for (let attempt = 0; ; attempt++) {
			/** @type {Response} */
			let res;
			try {
				res = await fetch(url, {
					method,
					headers: {
						authorization: `Bearer ${this.key}`,
						...(json === undefined ? {} : { "content-type": "application/json" }),
					},
					body: json === undefined ? undefined : JSON.stringify(json),
				});
			} catch (err) {
				const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
				if (attempt >= this.retries) throw new CliError(`Cannot reach ${this.base}: ${reason}`);
				await this.backoff(attempt, null, `cannot reach ${this.base} (${reason})`);
				continue;
			}
			if (res.ok) return res;
			if (RETRYABLE.has(res.status) && attempt < this.retries) {
				await res.body?.cancel();
				await this.backoff(attempt, res.headers.get("retry-after"), `the API answered ${res.status}`);
				continue;
			}
			throw new ApiError(res.status, await errorBody(res));
		}
	}

	/**
	 * @param {string} method
	 * @param {string} path
	 * @param {unknown} [json]
	 */
	async json(method, path, json) {
		const res = await this.request(method, path, json);
		return /** @type {any} */ (await res.json());
	}

	/**
	 * Waits 0.5 s doubling up to 30 s, with jitter, or what Retry-After asks.
	 * @param {number} attempt
	 * @param {string | null} retryAfter
	 * @param {string} why
	 */
	async backoff(attempt, retryAfter, why) {
		const asked = Number(retryAfter);
		const ms =
			Number.isFinite(asked) && asked > 0 ? asked * 1000 : Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random());
		this.onRetry(`${why}; retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 2} of ${this.retries + 1})`);
		await new Promise((resolve) => setTimeout(resolve, ms));
	}
}

/**
 * @param {Response} res
 * @returns {Promise<ApiErrorBody>}
 */
async function errorBody(res) {
	const text = await res.text();
	try {
		const parsed = JSON.parse(text);
		if (parsed && typeof parsed.error === "object" && parsed.error) return parsed.error;
	} catch {
		// Not the API's JSON: a proxy's page, or not Tapline at all.
	}
	return { code: `http_${res.status}`, message: text.slice(0, 200).trim() || res.statusText };
}
