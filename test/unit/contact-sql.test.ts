import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unlessErased } from "../../src/contacts/contact-sql";

describe("unlessErased", () => {
	it("should read a contact's phone and external id until the contact is erased, and null after", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.string({ maxLength: 20 }),
				fc.option(fc.string({ maxLength: 20 })),
				fc.option(fc.nat()),
				async (phone, externalId, erasedAt) => {
					const row = await env.DB.prepare(
						`SELECT ${unlessErased("c", "phone")} AS phone, ${unlessErased("c", "external_id")} AS externalId
						 FROM (SELECT ?1 AS phone, ?2 AS external_id, ?3 AS erased_at) AS c`,
					)
						.bind(phone, externalId, erasedAt)
						.first();
					expect(row).toEqual(erasedAt === null ? { phone, externalId } : { phone: null, externalId: null });
				},
			),
			{ numRuns: 100 },
		);
	});
});
