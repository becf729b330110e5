/** @jsxImportSource hono/jsx */
import { Page } from "./layout";

export function errorPage(status: number, message: string, signedIn: boolean) {
	return (
		<Page title={status === 404 ? "Not found" : "Error"} signedIn={signedIn}>
			<div class="card">
				<h1>{status === 404 ? "Not found" : "Something is not right"}</h1>
				<p role="alert">{message}</p>
				<p>
					<a href="/dashboard">{signedIn ? "Back to the campaigns" : "Sign in"}</a>
				</p>
			</div>
		</Page>
	);
}
