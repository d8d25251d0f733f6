import { shownState, type RepoState, type SyncHistoryEntry } from '../../state/repo-state.ts';
import { sanitize } from '../../util/secrets.ts';
import { millis, shortSha } from './format.ts';
import { html, type Html } from './html.ts';
import { lag } from './render-overview.ts';
import { externalLinks, page, stateBadge, time, type StatusLinks } from './render-layout.ts';

export interface RepoPageView {
  readonly base: string;
  readonly state: RepoState;
  /** Newest first. */
  readonly history: readonly SyncHistoryEntry[];
  readonly links: StatusLinks;
  readonly now: number;
}

/** One repository: its facts, drift (both sides' values), the backup refs kept for it and recent syncs. */
export function renderRepoPage(view: RepoPageView): string {
  const { base, state: s, now } = view;
  const shown = shownState(s);
  return page(
    base,
    `${s.repo}: ${shown}`,
    html`<header>
        <p><a href="${base}">← all mirrors</a></p>
        <h1><span class="repo-name" id="repo">${s.repo}</span> ${stateBadge(shown)}</h1>
        ${externalLinks(view.links, s.repo, s.target)}
      </header>
      ${s.description ? html`<p class="desc" id="description">${s.description}</p>` : ''}
      <dl class="facts">
        <dt>CodeCommit repository</dt>
        <dd class="mono">${s.target}</dd>
        <dt>Last success</dt>
        <dd>${time(s.lastSuccessAt, now)}</dd>
        <dt>Last sync</dt>
        <dd>${time(s.lastSyncAt, now)}${s.lastResult === undefined ? '' : html` · ${s.lastResult}`}</dd>
        <dt>Lag</dt>
        <dd>${lag(s, now)}</dd>
        ${
          s.consecutiveFailures > 0
            ? html`<dt>Failures in a row</dt>
                <dd>${s.consecutiveFailures}</dd>`
            : ''
        }
        ${
          s.defaultBranch === undefined
            ? ''
            : html`<dt>Default branch</dt>
                <dd class="mono">${s.defaultBranch}</dd>`
        }
        <dt>Default-branch tip</dt>
        <dd>
          GitHub <code>${sha(s.heads?.github)}</code> · CodeCommit <code>${sha(s.heads?.codecommit)}</code>
        </dd>
        ${
          s.archived === true
            ? html`<dt>Archived</dt>
                <dd>yes (read-only on GitHub)</dd>`
            : ''
        }
        ${
          s.stoppedReason === undefined
            ? ''
            : html`<dt>Stopped</dt>
                <dd>${s.stoppedReason}</dd>`
        }
        ${
          s.lastError === undefined
            ? ''
            : html`<dt>Last error</dt>
                <dd>
                  <pre class="error" id="last-error">
${sanitize(s.lastError)}${s.lastErrorCode === undefined ? '' : ` (${s.lastErrorCode})`}</pre>
                </dd>`
        }
      </dl>
      <h2>Drift</h2>
      ${drift(s)}
      <h2>Backup refs</h2>
      ${backups(s)}
      <h2>Recent syncs</h2>
      ${history(view.history, now)}`,
  );
}

function sha(value: string | undefined): string {
  return value === undefined ? '—' : shortSha(value);
}

function drift(s: RepoState): Html {
  const detailed = s.drift ?? [];
  // States written before both sides' values were kept have only the ref names.
  const rows =
    detailed.length > 0
      ? detailed
      : s.divergentRefs.map((ref) => ({ ref, github: undefined, codecommit: undefined }));
  if (rows.length === 0)
    return html`<p class="empty" id="drift">No drift: CodeCommit holds what gh2cc last pushed.</p>`;
  return html`<p>Refs changed in CodeCommit by someone other than gh2cc, with each side's commit:</p>
    <table id="drift">
      <thead>
        <tr>
          <th>Ref</th>
          <th>GitHub</th>
          <th>CodeCommit</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (d) =>
            html`<tr>
              <td class="mono ref">${d.ref}</td>
              <td><code>${d.github === null ? 'absent (only in CodeCommit)' : (d.github ?? '—')}</code></td>
              <td><code>${d.codecommit ?? '—'}</code></td>
            </tr> `,
        )}
      </tbody>
    </table>`;
}

function backups(s: RepoState): Html {
  const kept = [...(s.backups ?? [])].reverse();
  if (kept.length === 0) return html`<p class="empty" id="backups">No backup refs kept.</p>`;
  return html`<table id="backups">
    <thead>
      <tr>
        <th>Backup ref</th>
        <th>Kept tip of</th>
        <th>Commit</th>
        <th>Why</th>
        <th>Made</th>
      </tr>
    </thead>
    <tbody>
      ${kept.map(
        (b) =>
          html`<tr>
            <td class="mono">${b.ref}</td>
            <td class="mono">${b.original}</td>
            <td><code>${b.sha}</code></td>
            <td>${b.reason}</td>
            <td>${b.at}</td>
          </tr> `,
      )}
    </tbody>
  </table>`;
}

function history(entries: readonly SyncHistoryEntry[], now: number): Html {
  if (entries.length === 0) return html`<p class="empty" id="history">No sync recorded yet.</p>`;
  return html`<table id="history">
    <thead>
      <tr>
        <th>When</th>
        <th>Result</th>
        <th class="num">Refs pushed</th>
        <th class="num">Duration</th>
        <th>Error</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        (h) =>
          html`<tr>
            <td>${time(h.at, now)}</td>
            <td>${h.result}</td>
            <td class="num">${h.refsPushed}</td>
            <td class="num">${millis(h.durationMs)}</td>
            <td class="error">${h.error === undefined ? '' : sanitize(h.error)}</td>
          </tr> `,
      )}
    </tbody>
  </table>`;
}
