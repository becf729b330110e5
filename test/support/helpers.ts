import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { app } from "../../src/app";
import type { TapsEnvelope } from "../../src/clicks/tap-event";
import worker from "../../src/index";
import { capturingQueue } from "./queues";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123";

export function call(path: string, init: RequestInit & { key?: string; json?: unknown } = {}): Promise<Response> {
	const { key, json, ...rest } = init;
	const headers = new Headers(rest.headers);
	if (key) headers.set("authorization", `Bearer ${key}`);
	if (json !== undefined) headers.set("content-type", "application/json");
	return exports.default.fetch(`https://tapline.test${path}`, {
		...rest,
		headers,
		body: json === undefined ? rest.body : JSON.stringify(json),
		redirect: "manual",
	});
}

export async function newWorkspace(name = "Acme"): Promise<{ id: string; key: string }> {
	const res = await call("/api/v1/workspaces", { method: "POST", key: ADMIN_TOKEN, json: { name } });
	expect(res.status).toBe(201);
	const body = await res.json<{ workspace: { id: string }; apiKey: string }>();
	return { id: body.workspace.id, key: body.apiKey };
}

export async function newCampaign(key: string, overrides: Record<string, unknown> = {}): Promise<string> {
	const res = await call("/api/v1/campaigns", {
		method: "POST",
		key,
		json: { name: "Spring Sale", stage: "consideration", destinationUrl: "https://shop.example/sale", ...overrides },
	});
	expect(res.status).toBe(201);
	return (await res.json<{ campaign: { id: string } }>()).campaign.id;
}

export interface MintedLink {
	code: string;
	shortUrl: string;
	contactId: string;
	phone: string;
	variant: string | null;
	created: boolean;
}

export async function mint(key: string, campaignId: string, recipients: unknown[]): Promise<MintedLink[]> {
	const res = await call(`/api/v1/campaigns/${campaignId}/links`, { method: "POST", key, json: { recipients } });
	expect(res.status, await res.clone().text()).toBe(200);
	return (await res.json<{ links: MintedLink[] }>()).links;
}

/** Runs a request through the app with a queue that records what the app sends instead of delivering it. */
export async function requestCapturing<Message = unknown>(
	path: string,
	init: RequestInit = {},
): Promise<{ response: Response; sent: Message[] }> {
	const events = capturingQueue<Message>();
	const ctx = createExecutionContext();
	const response = await app.fetch(
		new Request(`https://tapline.test${path}`, { redirect: "manual", ...init }),
		{ ...env, EVENTS: events },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return { response, sent: events.bodies() };
}

export function tapCapturing(path: string, init: RequestInit = {}) {
	return requestCapturing<TapsEnvelope>(path, init);
}

const handlers: ExportedHandler<Env, unknown> = worker;
let messageSequence = 0;

/** Delivers message bodies to the queue consumer as one batch, as Cloudflare would. */
export async function deliver(bodies: unknown[], attempts = 1, database: D1Database = env.DB) {
	const batch = createMessageBatch<unknown>(
		"tapline-events",
		bodies.map((body) => ({ id: `m${++messageSequence}`, timestamp: new Date(), attempts, body })),
	);
	const ctx = createExecutionContext();
	await handlers.queue?.(batch, { ...env, DB: database }, ctx);
	return getQueueResult(batch, ctx);
}

export const IPHONE_SAFARI =
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
export const ANDROID_CHROME =
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
export const IMESSAGE_PREVIEW =
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0";
export const WHATSAPP = "WhatsApp/2.23.20.0 A";

/** HMAC of `data` with `secret`, computed here independently of the app's code: for signing test webhooks. */
export async function hmacOf(
	secret: string,
	data: string,
	hash: "SHA-1" | "SHA-256",
	encoding: "base64" | "hex",
): Promise<string> {
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, [
		"sign",
	]);
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
	return encoding === "hex"
		? Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")
		: btoa(String.fromCharCode(...mac));
}
