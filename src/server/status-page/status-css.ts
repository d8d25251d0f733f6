/**
 * The page's only stylesheet, served by gh2cc itself (`<path>status.css`): no CDN, no web fonts, nothing the
 * browser has to fetch from elsewhere, so the page works on a network without internet access.
 */
export const STATUS_CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --head: #f6f8fa;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da; --idle: #59636e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --head: #151b23;
    --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #4493f8; --idle: #9198a1; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 3rem; font: 14px/1.45 system-ui, sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--info); text-decoration: none; }
a:hover { text-decoration: underline; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
h1 a { color: inherit; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
.meta, .muted { color: var(--muted); }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 1rem 0; }
.count { display: inline-flex; gap: 0.4rem; align-items: baseline; padding: 0.35rem 0.75rem;
  border: 1px solid var(--line); border-radius: 2rem; color: var(--fg); }
.count b { font-size: 1.05rem; }
.count.current { border-color: var(--info); box-shadow: inset 0 0 0 1px var(--info); }
.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; margin: 1rem 0; }
.filters label { display: flex; flex-direction: column; gap: 0.2rem; color: var(--muted); }
input, select, button { font: inherit; padding: 0.3rem 0.5rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
input[type=search] { min-width: 18rem; }
button { cursor: pointer; background: var(--head); }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.queues table { width: auto; }
.repo-name { font-weight: 600; overflow-wrap: anywhere; }
.desc { color: var(--muted); overflow-wrap: anywhere; }
.error { max-width: 36rem; overflow-wrap: anywhere; white-space: pre-wrap; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
.state { display: inline-block; padding: 0.05rem 0.55rem; border-radius: 1rem; font-weight: 600;
  border: 1px solid currentColor; white-space: nowrap; }
.state-ok { color: var(--ok); }
.state-syncing, .state-pending { color: var(--info); }
.state-behind { color: var(--warn); }
.state-diverged, .state-failing { color: var(--bad); }
.state-archived, .state-stopped { color: var(--idle); }
.links a + a { margin-left: 0.75rem; }
.pages { display: flex; gap: 1rem; align-items: center; margin: 1rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1.5rem; margin: 1rem 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre.error { margin: 0; font: inherit; }
.empty { color: var(--muted); font-style: italic; }
`;

/** A small icon, so the browser does not ask for /favicon.ico (a 404 in every log). */
export const STATUS_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1a7f37"/><path d="M4 8h8M9 5l3 3-3 3" stroke="#fff" stroke-width="1.6" fill="none"/></svg>';
