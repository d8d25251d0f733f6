import type { MirrorState } from '../../state/repo-state.ts';
import { ago } from './format.ts';
import { html, safeHref, toHtmlString, type Html } from './html.ts';

/** Where a repository can be looked at in a browser (undefined: no link). */
export interface StatusLinks {
  github(repo: string): string | undefined;
  codecommit(target: string): string | undefined;
}

/** A whole HTML document around `body`. No script, no inline style: the CSP allows neither. */
export function page(base: string, title: string, body: Html): string {
  return toHtmlString(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>${title}</title>
          <link rel="stylesheet" href="${base}status.css" />
          <link rel="icon" href="${base}favicon.svg" type="image/svg+xml" />
        </head>
        <body>
          ${body}
        </body>
      </html> `,
  );
}

export function stateBadge(state: MirrorState): Html {
  return html`<span class="state state-${state}" data-state="${state}">${state}</span>`;
}

export function time(iso: string | undefined, now: number): Html {
  if (iso === undefined) return html`<span class="muted">never</span>`;
  return html`<time datetime="${iso}" title="${iso}">${ago(iso, now)}</time>`;
}

export function repoHref(base: string, repo: string): string {
  return `${base}repos/${repo.split('/').map(encodeURIComponent).join('/')}`;
}

export function externalLinks(links: StatusLinks, repo: string, target: string): Html {
  const github = safeHref(links.github(repo));
  const console = safeHref(links.codecommit(target));
  return html`<span class="links"
    >${github === undefined ? '' : html`<a href="${github}" rel="noreferrer noopener">GitHub</a>`}${
      console === undefined ? '' : html`<a href="${console}" rel="noreferrer noopener">CodeCommit console</a>`
    }</span
  >`;
}
