/** @jsxImportSource hono/jsx */
import { Page } from "./layout";

export function errorPage(status: number, message: string) {
	return (
		<Page title={status === 404 ? "Not found" : "Error"} signedIn={status !== 401}>
			<div class="card">
				<h1>{status === 404 ? "Not found" : "Something is not right"}</h1>
				<p role="alert">{message}</p>
				<p>
					<a href="/dashboard">Back to the campaigns</a>
				</p>
			</div>
		</Page>
	);
}
