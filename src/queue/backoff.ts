// Capped exponential backoff for messages whose work failed: 10 s, 20 s, 40 s … up to 10 minutes.
export function retryDelaySeconds(attempts: number): number {
	return Math.min(600, 10 * 2 ** Math.max(0, attempts - 1));
}
