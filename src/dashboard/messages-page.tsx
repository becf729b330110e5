/** @jsxImportSource hono/jsx */
import type { Campaign } from "../campaigns/queries";
import type { MessageRow } from "../messages/list-queries";
import { MESSAGE_STATUSES, type MessageStatus } from "../messages/status";
import { formatTime, NONE } from "./format";
import { Page } from "./layout";

const GOOD: ReadonlySet<string> = new Set(["delivered", "read", "sent"]);
const BAD: ReadonlySet<string> = new Set(["failed", "undelivered", "canceled", "unknown"]);

/** One row per recipient's SMS: where it went and when, through the tap to the purchase. */
export function MessageTable(props: { messages: MessageRow[] }) {
	if (props.messages.length === 0) return <p class="muted">No messages yet.</p>;
	return (
		<div class="scroll">
			<table data-testid="messages">
				<thead>
					<tr>
						<th scope="col">Recipient</th>
						<th scope="col">Variant</th>
						<th scope="col">Status</th>
						<th scope="col">Sent</th>
						<th scope="col">Delivered</th>
						<th scope="col">Tapped</th>
						<th scope="col">Purchased</th>
					</tr>
				</thead>
				<tbody>
					{props.messages.map((m) => (
						<tr data-message={m.id}>
							<td>
								{m.phone ?? <span class="muted">erased</span>}
								{m.kind === "followup" ? <span class="pill"> follow-up</span> : null}
							</td>
							<td>{m.variant ?? NONE}</td>
							<td>
								<span class={`pill${GOOD.has(m.status) ? " good" : BAD.has(m.status) ? " warn" : ""}`}>{m.status}</span>
								{m.errorCode ? <span class="muted small"> {m.errorCode}</span> : null}
							</td>
							<td>{formatTime(m.sentAt)}</td>
							<td>{formatTime(m.deliveredAt ?? m.readAt)}</td>
							<td>{formatTime(m.firstTapAt)}</td>
							<td>{formatTime(m.purchasedAt)}</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

export function messagesPage(props: {
	campaign: Campaign;
	messages: MessageRow[];
	status: MessageStatus | null;
	nextCursor: string | null;
}) {
	const base = `/dashboard/campaigns/${encodeURIComponent(props.campaign.id)}`;
	const status = props.status ? `&status=${props.status}` : "";
	return (
		<Page title={`Messages · ${props.campaign.name}`} signedIn={true}>
			<p class="small">
				<a href={base}>← {props.campaign.name}</a>
			</p>
			<h1>Messages</h1>
			<form method="get" action={`${base}/messages`} class="card">
				<label for="status">Status</label>
				<div class="actions">
					<select id="status" name="status" style="max-width:14rem">
						<option value="">Any</option>
						{MESSAGE_STATUSES.map((s) => (
							<option value={s} selected={s === props.status}>
								{s}
							</option>
						))}
					</select>
					<button class="primary" type="submit">
						Show
					</button>
				</div>
			</form>
			<div class="card">
				<p class="muted small">Newest first. Times are UTC; "Tapped" is the first human tap on the recipient's link.</p>
				<MessageTable messages={props.messages} />
				{props.nextCursor ? (
					<p>
						<a
							class="button secondary"
							href={`${base}/messages?cursor=${encodeURIComponent(props.nextCursor)}${status}`}
						>
							Older messages
						</a>
					</p>
				) : null}
			</div>
		</Page>
	);
}
