/** A message (m) that reached the carrier: sent, delivered, undelivered or read. */
export const REACHED_CARRIER = "m.status IN ('sent', 'delivered', 'undelivered', 'read')";
/** A message (m) delivered to the handset (read included). */
export const DELIVERED = "m.status IN ('delivered', 'read')";

// Delivered messages (m) whose recipient tapped their link (l) after the message was written, with the delay from
// the delivery receipt to the first such tap. The link keeps its first and last human tap only: when the first came
// before the message (the link was shared before the SMS went out), the last one stands in. A tap that beat its
// receipt (they often lag the handset) counts as 0.
export const TAPPED_AFTER_DELIVERY = `${DELIVERED} AND l.last_human_click_at >= m.created_at`;
export const DELIVERY_TO_TAP_MS = `max(CASE WHEN l.first_human_click_at >= m.created_at THEN l.first_human_click_at
  ELSE l.last_human_click_at END - m.delivered_at, 0)`;

/** The median of the `lag` column of a query (the lower one of an even count); no row when it has none. */
export function medianLag(lags: string): string {
	return `WITH lags AS (SELECT lag FROM (${lags}) WHERE lag IS NOT NULL)
	 SELECT lag FROM lags ORDER BY lag LIMIT 1 OFFSET (SELECT (count(*) - 1) / 2 FROM lags)`;
}
