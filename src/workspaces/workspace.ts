import { z } from "zod";
import { COUNTED_PURCHASES } from "../db/schema";
import { millis } from "../http/schemas";

/** A workspace as the API shows it and the queries return it. */
export const Workspace = z
	.strictObject({
		id: z.string(),
		name: z.string(),
		createdAt: millis,
		attributionWindowDays: z.number().int(),
		// The answer to an inbound HELP; null: a default that names the workspace.
		helpText: z.string().nullable(),
		// No follow-up goes to a contact who had any Tapline SMS in this many hours (0: no cap).
		frequencyCapHours: z.number().int().describe("Follow-ups skip contacts texted within this many hours; 0: off."),
		countedPurchases: z
			.enum(COUNTED_PURCHASES)
			.describe(
				"Which purchases suppress follow-ups and move journey stages: confirmed (server API or Shopify) or confirmed_or_pixel (also the unsigned pixel on a human tap inside the attribution window).",
			),
		dailySendCap: z.number().int().describe("At most this many SMS go to the provider per UTC day."),
		allowedCountries: z
			.array(z.string())
			.nullable()
			.describe("ISO 3166 alpha-2 countries whose numbers may be texted; null: any country."),
	})
	.meta({ id: "Workspace" });
export type Workspace = z.infer<typeof Workspace>;
