// What every part of `npm run bench` shares: where things are, the load it applies, the user agents it taps with.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const BIN = join(ROOT, "node_modules", ".bin");
export const OUT = join(ROOT, "bench", ".out");
export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef0123";
export const CONNECTIONS = 10;
export const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 4_000);
export const WARMUP_MS = 1_500;
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const WARM_CODES = 1_000;
export const IPHONE =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
export const WHATSAPP = "WhatsApp/2.23.20.0 A";
