// Durations in milliseconds, the unit of every *_at column and of Date.now(). The bottom layer: imports nothing.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
