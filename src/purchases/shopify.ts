import { normalisePhone } from "../contacts/phone";
import { isCurrency, toMinor } from "./money";

/**
 * Shopify signs each webhook with base64(HMAC-SHA256(secret, raw body)) in X-Shopify-Hmac-Sha256. Compared in
 * constant time; any malformed header is simply a mismatch.
 */
export async function verifyShopifyHmac(secret: string, rawBody: ArrayBuffer, header: string): Promise<boolean> {
	let given: Uint8Array;
	try {
		given = Uint8Array.from(atob(header.trim()), (c) => c.charCodeAt(0));
	} catch {
		return false;
	}
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, rawBody));
	return given.length === expected.length && crypto.subtle.timingSafeEqual(given, expected);
}

export interface ShopifyPurchase {
	orderId: string;
	valueMinor: number;
	currency: string;
	at: number;
	tlid: string | null;
	phone: string | null;
}

const CLICK_ID = /^[0-9A-Za-z]{8,64}$/;

interface ShopifyAddress {
	phone?: string | null;
	country_code?: string | null;
}

/** The fields of an order webhook (REST Admin API Order resource) that Tapline needs, or null if unusable. */
export function readShopifyOrder(order: unknown): ShopifyPurchase | null {
	if (typeof order !== "object" || order === null) return null;
	const o = order as Record<string, unknown>;
	const id = o.id;
	const currency = typeof o.currency === "string" ? o.currency.toUpperCase() : "";
	const total = Number(o.total_price);
	if (
		(typeof id !== "number" && typeof id !== "string") ||
		!isCurrency(currency) ||
		!Number.isFinite(total) ||
		total < 0
	) {
		return null;
	}
	const created = Date.parse(String(o.created_at ?? ""));
	return {
		orderId: String(id),
		valueMinor: toMinor(total, currency),
		currency,
		at: Number.isNaN(created) ? Date.now() : created,
		tlid: clickIdOf(o),
		phone: phoneOf(o),
	};
}

// The tlid reaches Shopify in the landing page URL (landing_site, a path with query) or, when the shop's theme
// copies it into the cart, in the order's note attributes.
function clickIdOf(o: Record<string, unknown>): string | null {
	if (Array.isArray(o.note_attributes)) {
		for (const attribute of o.note_attributes as { name?: unknown; value?: unknown }[]) {
			if (attribute?.name === "tlid" && typeof attribute.value === "string" && CLICK_ID.test(attribute.value)) {
				return attribute.value;
			}
		}
	}
	for (const field of ["landing_site", "landing_site_ref"]) {
		const value = o[field];
		if (typeof value !== "string" || value === "") continue;
		try {
			const tlid = new URL(value, "https://shop.invalid").searchParams.get("tlid");
			if (tlid && CLICK_ID.test(tlid)) return tlid;
		} catch {
			// Not a URL: look in the next field.
		}
	}
	return null;
}

function phoneOf(o: Record<string, unknown>): string | null {
	const customer = (o.customer ?? {}) as ShopifyAddress & { default_address?: ShopifyAddress };
	const billing = (o.billing_address ?? {}) as ShopifyAddress;
	const shipping = (o.shipping_address ?? {}) as ShopifyAddress;
	const country = billing.country_code ?? shipping.country_code ?? customer.default_address?.country_code ?? undefined;
	for (const candidate of [o.phone, customer.phone, billing.phone, shipping.phone]) {
		if (typeof candidate !== "string" || candidate.trim() === "") continue;
		const phone = normalisePhone(candidate, country ?? undefined);
		if (phone.ok) return phone.e164;
	}
	return null;
}
