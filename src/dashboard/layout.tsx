/** @jsxImportSource hono/jsx */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";

// One small stylesheet inline: no extra request, no framework. Mobile first; tables scroll sideways on a phone.
const STYLE = `
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dee5;--bg:#f6f7f9;--card:#fff;--accent:#2456d6;
--warn:#a34a00;--good:#0f7a3d;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg);line-height:1.45}
*{box-sizing:border-box}body{margin:0}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;padding:.75rem 1rem;background:#14213d;color:#fff}
header.top a{color:#fff;text-decoration:none}header.top nav{display:flex;gap:1rem;flex:1}
header.top .brand{font-weight:700;letter-spacing:.02em}
header.top form{margin:0}header.top button{background:none;border:1px solid #fff8;color:#fff;border-radius:6px;padding:.25rem .6rem;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:0 0 .75rem}h3{font-size:1rem;margin:.5rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr))}
.kpis{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));margin:0 0 1rem;padding:0;list-style:none}
.kpis li{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.75rem}
.kpis .label{display:block;color:var(--muted);font-size:.85rem}.kpis .value{display:block;font-size:1.35rem;font-weight:650}
.kpis .value.long{font-size:1rem}
.stages{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,15rem),1fr));list-style:none;padding:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:.82rem}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:var(--muted)}.small{font-size:.85rem}
.pill{display:inline-block;padding:.05rem .5rem;border-radius:999px;background:#e8edf5;font-size:.8rem}
.pill.good{background:#dff3e6;color:var(--good)}.pill.warn{background:#fbead9;color:var(--warn)}
.verdict{padding:.6rem .8rem;border-radius:8px;background:#eef2fb;margin:.5rem 0}
.verdict.winner{background:#dff3e6}
.tabs{display:flex;flex-wrap:wrap;gap:.4rem;margin:0 0 .75rem;padding:0;list-style:none}
.tabs a{display:inline-block;padding:.3rem .75rem;border:1px solid var(--line);border-radius:999px;text-decoration:none;background:var(--card)}
.tabs a[aria-current]{background:var(--accent);border-color:var(--accent);color:#fff}
.bars{list-style:none;margin:0;padding:0}.bars li{margin:.35rem 0}
.bars .row{display:flex;justify-content:space-between;gap:.5rem;font-size:.9rem}
.bars .track{height:.5rem;background:#edf0f4;border-radius:4px;overflow:hidden}.bars .fill{height:100%;background:var(--accent)}
svg text{font-family:inherit}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
.button,button.primary{display:inline-block;padding:.5rem .9rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;text-decoration:none;font:inherit;cursor:pointer}
.button.secondary{background:var(--card);color:var(--accent)}
label{display:block;font-weight:600;margin:0 0 .3rem}
input[type=password],input[type=text],select{font:inherit;padding:.5rem;border:1px solid #9aa4b1;border-radius:8px;width:100%;max-width:28rem}
.error{color:#a11;background:#fdecec;border-radius:8px;padding:.5rem .75rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
details summary{cursor:pointer;color:var(--muted);font-size:.85rem}
@media (max-width:480px){main{padding:.75rem}h1{font-size:1.25rem}th,td{padding:.4rem .35rem}}
`;

export function Page(props: { title: string; signedIn: boolean; children: Child }) {
	return (
		<html lang="en">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<meta name="robots" content="noindex" />
				<title>{`${props.title} · Tapline`}</title>
				<style>{raw(STYLE)}</style>
			</head>
			<body>
				<header class="top">
					<a class="brand" href="/dashboard">
						Tapline
					</a>
					{props.signedIn ? (
						<>
							<nav aria-label="Dashboard">
								<a href="/dashboard">Campaigns</a>
								<a href="/dashboard/journey">Journey</a>
							</nav>
							<form method="post" action="/dashboard/sign-out">
								<button type="submit">Sign out</button>
							</form>
						</>
					) : null}
				</header>
				<main>{props.children}</main>
			</body>
		</html>
	);
}

/** A headline number with its label. */
export function Kpi(props: { label: string; value: string; testId?: string }) {
	return (
		<li>
			<span class="label">{props.label}</span>
			<span class={props.value.length > 12 ? "value long" : "value"} data-testid={props.testId}>
				{props.value}
			</span>
		</li>
	);
}
