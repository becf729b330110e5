/** @jsxImportSource hono/jsx */
import { Page } from "./layout";

export function signInPage(props: { next: string; error: string | null }) {
	return (
		<Page title="Sign in" signedIn={false}>
			<div class="card" style="max-width:32rem;margin:2rem auto">
				<h1>Sign in to your workspace</h1>
				<p class="muted">
					Paste a workspace API key (it starts with <code>tl_</code>). The browser keeps a signed session for a week;
					the key itself is not stored in it.
				</p>
				{props.error ? (
					<p class="error" role="alert">
						{props.error}
					</p>
				) : null}
				<form method="post" action="/dashboard/sign-in">
					<input type="hidden" name="next" value={props.next} />
					<label for="apiKey">API key</label>
					<input
						id="apiKey"
						name="apiKey"
						type="password"
						autocomplete="current-password"
						required
						maxlength={200}
						aria-invalid={props.error ? "true" : undefined}
					/>
					<p>
						<button class="primary" type="submit">
							Sign in
						</button>
					</p>
				</form>
			</div>
		</Page>
	);
}
