import type { RepoState } from '../../state/repo-state.ts';
import { sanitize } from '../../util/secrets.ts';
import { duration } from './format.ts';
import { html, type Html } from './html.ts';
import type { QueueStatus } from './queue-status.ts';
import { externalLinks, page, repoHref, stateBadge, time, type StatusLinks } from './render-layout.ts';
import { STATE_ORDER, type ListPage, type ListQuery, type StateSnapshot } from './state-snapshot.ts';

export interface OverviewView {
  /** The status page's path, ending in `/`. */
  readonly base: string;
  readonly snapshot: StateSnapshot;
  readonly query: ListQuery;
  readonly list: ListPage;
  /** Undefined when the queues could not be read in time. */
  readonly queues: readonly QueueStatus[] | undefined;
  readonly links: StatusLinks;
  readonly now: number;
}

const ERROR_CHARS = 300;

/** The overview: counts per state, the queues, and one page of the (filtered) repository table. */
export function renderOverview(view: OverviewView): string {
  const { base, snapshot, query, list, now } = view;
  const total = snapshot.rows.length;
  return page(
    base,
    query.state === undefined ? 'gh2cc mirrors' : `gh2cc mirrors: ${query.state}`,
    html`<header>
        <h1><a href="${base}">gh2cc mirrors</a></h1>
        <p class="meta">
          ${total} repositories · state read
          ${time(new Date(snapshot.takenAt).toISOString(), now)}${queueSummary(view.queues)}
        </p>
      </header>
      <nav class="counts" aria-label="Repositories by state">
        <a
          class="count${query.state === undefined ? ' current' : ''}"
          href="${listHref(base, { q: query.q, page: 1 })}"
          data-count="all"
          >all <b>${total}</b></a
        >
        ${STATE_ORDER.filter((s) => snapshot.counts[s] > 0 || s === query.state).map(
          (s) =>
            html`<a
              class="count state-${s}${query.state === s ? ' current' : ''}"
              href="${listHref(base, { state: s, q: query.q, page: 1 })}"
              data-count="${s}"
              >${s} <b>${snapshot.counts[s]}</b></a
            > `,
        )}
      </nav>
      <form class="filters" method="get" action="${base}" role="search">
        <label
          >Search
          <input
            type="search"
            name="q"
            value="${query.q}"
            placeholder="owner/name, CodeCommit name, description"
        /></label>
        <label
          >State
          <select name="state">
            <option value="" ${query.state === undefined ? ' selected' : ''}>any</option>
            ${STATE_ORDER.map((s) => html`<option value="${s}" ${query.state === s ? ' selected' : ''}>${s}</option>`)}
          </select></label
        >
        <button type="submit">Filter</button>
      </form>
      <p class="meta" id="matching">
        ${list.matching === total ? `${total} repositories` : `${list.matching} of ${total} repositories match`}${list.pages > 1 ? ` · page ${list.page} of ${list.pages}` : ''}
      </p>
      <table class="repos" id="repos">
        <thead>
          <tr>
            <th>Repository</th>
            <th>State</th>
            <th>Last success</th>
            <th>Lag</th>
            <th>Last error</th>
            <th>Links</th>
          </tr>
        </thead>
        <tbody>
          ${
            list.rows.length === 0
              ? html`<tr>
                  <td colspan="6" class="empty">No repository matches.</td>
                </tr>`
              : ''
          }${list.rows.map(
            (r) =>
              html`<tr data-repo="${r.state.repo}" data-state="${r.shown}">
                <td>
                  <a class="repo-name" href="${repoHref(base, r.state.repo)}">${r.state.repo}</a>${
                    r.state.target === r.state.repo.split('/')[1]
                      ? ''
                      : html` <span class="muted">→ <span class="mono">${r.state.target}</span></span>`
                  }${r.state.description ? html`<div class="desc">${r.state.description}</div>` : ''}
                </td>
                <td>${stateBadge(r.shown)}</td>
                <td>${time(r.state.lastSuccessAt, now)}</td>
                <td class="lag">${lag(r.state, now)}</td>
                <td class="error">${problem(r.state)}</td>
                <td>${externalLinks(view.links, r.state.repo, r.state.target)}</td>
              </tr> `,
          )}
        </tbody>
      </table>
      ${pager(base, query, list)} ${queuesSection(view.queues)}`,
  );
}

function listHref(base: string, q: { state?: string; q: string; page: number }): string {
  const params = new URLSearchParams();
  if (q.state !== undefined) params.set('state', q.state);
  if (q.q !== '') params.set('q', q.q);
  if (q.page > 1) params.set('page', String(q.page));
  const s = params.toString();
  return s === '' ? base : `${base}?${s}`;
}

function pager(base: string, query: ListQuery, list: ListPage): Html {
  if (list.pages <= 1) return html``;
  const at = (p: number): string => listHref(base, { ...query, page: p });
  return html`<nav class="pages" aria-label="Pages">
    ${list.page > 1 ? html`<a href="${at(1)}">« first</a> <a href="${at(list.page - 1)}" rel="prev">‹ previous</a>` : ''}
    <span>page ${list.page} of ${list.pages}</span>
    ${list.page < list.pages ? html`<a href="${at(list.page + 1)}" rel="next">next ›</a> <a href="${at(list.pages)}">last »</a>` : ''}
  </nav>`;
}

/**
 * Behind: since the first request not yet served. Otherwise: how long the last sync took to bring a change
 * across.
 */
export function lag(s: RepoState, now: number): Html {
  if (s.pendingSince !== undefined)
    return html`<span
      title="a change requested ${new Date(s.pendingSince).toISOString()} is not in CodeCommit yet"
      >${duration((now - s.pendingSince) / 1000)} behind</span
    >`;
  if (s.lagSeconds === undefined) return html`<span class="muted">—</span>`;
  const commits =
    s.lagCommits === undefined ? '' : `${s.lagCommits} commit${s.lagCommits === 1 ? '' : 's'}, `;
  return html`<span
    title="at the last sync: commits CodeCommit was behind, and the time from the change on GitHub to the commit on CodeCommit"
    >${commits}${s.lagSeconds < 10 ? s.lagSeconds.toFixed(1) : Math.round(s.lagSeconds)}s</span
  >`;
}

/**
 * The last error (sanitised again: the store sanitised it with the secrets its own process knew), or why the
 * repository needs a look.
 */
export function problem(s: RepoState): string {
  let text = '';
  if (s.lastError !== undefined && s.lastError !== '') text = sanitize(s.lastError);
  else if (s.divergentRefs.length > 0)
    text = `diverged: ${s.divergentRefs.slice(0, 3).join(', ')}${s.divergentRefs.length > 3 ? ` and ${s.divergentRefs.length - 3} more` : ''}`;
  else if (s.stoppedReason !== undefined) text = s.stoppedReason;
  return text.length > ERROR_CHARS ? `${text.slice(0, ERROR_CHARS)}…` : text;
}

function queueSummary(queues: readonly QueueStatus[] | undefined): Html {
  if (queues === undefined) return html``;
  let waiting = 0;
  let active = 0;
  for (const q of queues) {
    waiting += (q.counts['waiting'] ?? 0) + (q.counts['prioritized'] ?? 0);
    active += q.counts['active'] ?? 0;
  }
  const workers = queues.find((q) => q.queue === 'sync')?.workers;
  return html` ·
    <a href="#queues"
      >jobs: ${waiting} waiting, ${active}
      running${workers === undefined ? '' : `, sync workers: ${workers}`}</a
    >`;
}

function queuesSection(queues: readonly QueueStatus[] | undefined): Html {
  if (queues === undefined)
    return html`<section class="queues">
      <h2>Queues</h2>
      <p class="muted">Queue depths are unavailable right now (Redis did not answer in time).</p>
    </section>`;
  const n = (q: QueueStatus, k: string): number => q.counts[k] ?? 0;
  return html`<section class="queues" id="queues">
    <h2>Queues</h2>
    <table>
      <thead>
        <tr>
          <th>Queue</th>
          <th class="num">Waiting</th>
          <th class="num">Active</th>
          <th class="num">Delayed</th>
          <th class="num">Failed</th>
          <th class="num">Workers seen</th>
        </tr>
      </thead>
      <tbody>
        ${queues.map(
          (q) =>
            html`<tr data-queue="${q.queue}">
              <td>${q.queue}</td>
              <td class="num">${n(q, 'waiting') + n(q, 'prioritized')}</td>
              <td class="num">${n(q, 'active')}</td>
              <td class="num">${n(q, 'delayed')}</td>
              <td class="num">${n(q, 'failed')}</td>
              <td class="num">${q.workers ?? '?'}</td>
            </tr> `,
        )}
      </tbody>
    </table>
  </section>`;
}
