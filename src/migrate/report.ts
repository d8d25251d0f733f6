import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { RepoResult, RepoStatus } from '../core/repo-result.ts';
import { paint, type Color } from '../util/colors.ts';

export interface MigrationReport {
  readonly version: 1;
  readonly owner: string;
  readonly mode: 'in-process' | 'queue';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Counts the repositories themselves; their wikis are counted apart, in `wikiSummary`. */
  readonly summary: Readonly<Record<RepoStatus | 'total' | 'skipped' | 'refsPushed', number>>;
  /** With `--wikis`, when any wiki was mirrored (or tried): how the wikis ended. */
  readonly wikiSummary?: Readonly<Record<RepoStatus | 'total', number>>;
  readonly repos: readonly RepoResult[];
  readonly skipped: readonly { readonly repo: string; readonly reason: string }[];
}

export function buildReport(
  owner: string,
  mode: 'in-process' | 'queue',
  started: Date,
  results: readonly RepoResult[],
  skipped: readonly { repo: string; reason: string }[],
): MigrationReport {
  const finished = new Date();
  const wikis = results.flatMap((r) => (r.wiki === undefined ? [] : [r.wiki]));
  return {
    version: 1,
    owner,
    mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    summary: {
      ...countStatuses(results),
      skipped: skipped.length,
      refsPushed: results.reduce((n, r) => n + r.refsPushed + (r.wiki?.refsPushed ?? 0), 0),
    },
    ...(wikis.length === 0 ? {} : { wikiSummary: countStatuses(wikis) }),
    repos: results,
    skipped,
  };
}

function countStatuses(results: readonly RepoResult[]): Record<RepoStatus | 'total', number> {
  const count = (s: RepoStatus): number => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    migrated: count('migrated'),
    'up-to-date': count('up-to-date'),
    empty: count('empty'),
    diverged: count('diverged'),
    failed: count('failed'),
    interrupted: count('interrupted'),
  };
}

/** 0 when every repository (and wiki) ended well, 1 when any failed, diverged or was interrupted. */
export function exitCodeFor(report: MigrationReport): 0 | 1 {
  const bad = (s: Readonly<Record<RepoStatus, number>> | undefined): boolean =>
    s !== undefined && (s.failed > 0 || s.interrupted > 0 || s.diverged > 0);
  return bad(report.summary) || bad(report.wikiSummary) ? 1 : 0;
}

export async function writeReport(path: string, report: MigrationReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** Where a finished run's report ended up. */
export interface SavedReport {
  /** The file holding the report; undefined when neither the path asked for nor any fallback could take it. */
  readonly path: string | undefined;
  /** Why the path asked for could not be written, when it could not. */
  readonly problem?: string;
}

/**
 * Writes the report where asked, or, when that fails at the end of a run (the directory removed or made
 * read-only meanwhile, a full disk), to `report-<start time>.json` in the first fallback directory that takes
 * it: the run's results are never lost to a file-system error.
 */
export async function saveReport(
  path: string,
  report: MigrationReport,
  fallbackDirs: readonly string[],
): Promise<SavedReport> {
  const problem = await writeReport(path, report).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (problem === undefined) return { path };
  const name = `report-${report.startedAt.replace(/[:.]/g, '-')}.json`;
  for (const dir of fallbackDirs) {
    const fallback = join(resolve(dir), name);
    if (fallback === resolve(path)) continue;
    const written = await writeReport(fallback, report).then(
      () => true,
      () => false,
    );
    if (written) return { path: fallback, problem };
  }
  return { path: undefined, problem };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * A plain-text table, one row per row of cells, columns padded to the widest cell. Cells may carry colours:
 * widths count what shows.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const shown = (c: string): number => stripVTControlCharacters(c).length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => shown(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - shown(c))))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The repository itself was mirrored and verified, then its wiki failed (which fails the whole result): the
 * wiki is the last step, so a verified result with a failed wiki has no other error.
 */
function failedByWikiOnly(r: RepoResult): boolean {
  return (
    r.status === 'failed' && r.verified && (r.wiki?.status === 'failed' || r.wiki?.status === 'interrupted')
  );
}

/** How each status shows on a terminal: green ended well, yellow needs a look or a re-run, red failed. */
const STATUS_COLOR: Readonly<Record<RepoStatus, Color>> = {
  migrated: 'green',
  'up-to-date': 'green',
  empty: 'green',
  diverged: 'yellow',
  interrupted: 'yellow',
  failed: 'red',
};

function rowNote(r: RepoResult): string {
  const note = failedByWikiOnly(r)
    ? 'repository mirrored and verified; its wiki failed (next row)'
    : (r.errors[0] ?? r.warnings[0] ?? '');
  return note.length > 70 ? `${note.slice(0, 69)}…` : note;
}

function describeCounts(s: Readonly<Record<RepoStatus | 'total', number>>, what: string): string {
  const statuses: RepoStatus[] = ['migrated', 'up-to-date', 'empty', 'diverged', 'failed', 'interrupted'];
  const parts = statuses.filter((k) => s[k] > 0).map((k) => `${s[k]} ${k.replace(/-/g, ' ')}`);
  return `${s.total} ${what}${s.total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export interface TableOptions {
  /** Colour the status column (a terminal that wants colours: see colorEnabled). */
  readonly color?: boolean;
}

/**
 * The end-of-run table. The status is one word (what scripts and eyes scan for); whether the refs were
 * verified has its own column, so no mark sits beside a failed or diverged status. A repository failed only
 * by its wiki says so in its note, and the wiki has a row of its own.
 */
export function reportTable(report: MigrationReport, options: TableOptions = {}): string {
  const status = (s: RepoStatus): string => (options.color === true ? paint(STATUS_COLOR[s], s) : s);
  const rows = report.repos.flatMap((r) => {
    const row = [
      r.repo,
      r.target,
      status(r.status),
      r.verified ? 'yes' : 'no',
      String(r.refsPushed),
      String(r.pushes),
      formatBytes(r.bytes),
      formatDuration(r.durationMs),
      rowNote(r),
    ];
    return r.wiki === undefined
      ? [row]
      : [
          row,
          [
            `  ${r.wiki.repo}`,
            r.wiki.target,
            status(r.wiki.status),
            r.wiki.verified ? 'yes' : 'no',
            String(r.wiki.refsPushed),
            String(r.wiki.pushes),
            formatBytes(r.wiki.bytes),
            formatDuration(r.wiki.durationMs),
            rowNote(r.wiki),
          ],
        ];
  });
  const s = report.summary;
  // Wikis are counted apart from their repositories, so every row is counted exactly once.
  const wikis = report.wikiSummary === undefined ? '' : `; ${describeCounts(report.wikiSummary, 'wiki')}`;
  const summary = `${s.total} repositories: ${s.migrated} migrated, ${s['up-to-date']} up to date, ${s.empty} empty, ${s.diverged} diverged, ${s.failed} failed, ${s.interrupted} interrupted${wikis}; ${s.skipped} skipped by filters; ${s.refsPushed} refs pushed in ${formatDuration(report.durationMs)}`;
  return `${renderTable(['REPOSITORY', 'CODECOMMIT', 'STATUS', 'VERIFIED', 'REFS', 'PUSHES', 'SIZE', 'TIME', 'NOTE'], rows)}\n\n${summary}`;
}
