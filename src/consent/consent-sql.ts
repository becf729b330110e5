/**
 * Whether a contact (row alias `c`) must not be texted: they opted out, or their phone is on the workspace's
 * suppression list (an opted-out contact of the same number was erased). Every query that claims or sends a message
 * reads this one fragment, so a number minted again after its erasure is never texted, whichever path sends.
 */
export function optedOutSql(c: string): string {
	return `(${c}.opted_out_at IS NOT NULL OR EXISTS (SELECT 1 FROM suppressions s
	          WHERE s.workspace_id = ${c}.workspace_id AND s.phone_hash = ${c}.phone_hash))`;
}
