/**
 * A column of a contact (row alias `c`) that names a person, read as null once the contact is erased: erasure
 * clears the external id and leaves a placeholder for the phone, which must never be shown as a phone.
 */
export function unlessErased(c: string, column: "phone" | "external_id"): string {
	return `CASE WHEN ${c}.erased_at IS NULL THEN ${c}.${column} END`;
}
