import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RepoResult, RepoStatus } from '../core/repo-result.ts';

export interface MigrationReport {
  readonly version: 1;
  readonly owner: string;
  readonly mode: 'in-process' | 'queue';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly summary: Readonly<Record<RepoStatus | 'total' | 'skipped' | 'refsPushed', number>>;
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
  const count = (s: RepoStatus): number => results.filter((r) => r.status === s).length;
  const finished = new Date();
  return {
    version: 1,
    owner,
    mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    summary: {
      total: results.length,
      migrated: count('migrated'),
      'up-to-date': count('up-to-date'),
      empty: count('empty'),
      diverged: count('diverged'),
      failed: count('failed'),
      interrupted: count('interrupted'),
      skipped: skipped.length,
      refsPushed: results.reduce((n, r) => n + r.refsPushed + (r.wiki?.refsPushed ?? 0), 0),
    },
    repos: results,
    skipped,
  };
}

/** 0 when every repository ended well, 1 when any failed, diverged or was interrupted. */
export function exitCodeFor(report: MigrationReport): 0 | 1 {
  const s = report.summary;
  return s.failed > 0 || s.interrupted > 0 || s.diverged > 0 ? 1 : 0;
}

export async function writeReport(path: string, report: MigrationReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
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

/** A plain-text table, one row per row of cells, columns padded to the widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function reportTable(report: MigrationReport): string {
  const rows = report.repos.flatMap((r) => {
    const note = r.errors[0] ?? r.warnings[0] ?? '';
    const row = [
      r.repo,
      r.target,
      r.status + (r.verified ? ' ✓' : ''),
      String(r.refsPushed),
      String(r.pushes),
      formatBytes(r.bytes),
      formatDuration(r.durationMs),
      note.length > 70 ? `${note.slice(0, 69)}…` : note,
    ];
    return r.wiki === undefined
      ? [row]
      : [
          row,
          [
            `  ${r.wiki.repo}`,
            r.wiki.target,
            r.wiki.status + (r.wiki.verified ? ' ✓' : ''),
            String(r.wiki.refsPushed),
            String(r.wiki.pushes),
            formatBytes(r.wiki.bytes),
            formatDuration(r.wiki.durationMs),
            r.wiki.errors[0] ?? r.wiki.warnings[0] ?? '',
          ],
        ];
  });
  const s = report.summary;
  const summary = `${s.total} repositories: ${s.migrated} migrated, ${s['up-to-date']} up to date, ${s.empty} empty, ${s.diverged} diverged, ${s.failed} failed, ${s.interrupted} interrupted; ${s.skipped} skipped by filters; ${s.refsPushed} refs pushed in ${formatDuration(report.durationMs)}`;
  return `${renderTable(['REPOSITORY', 'CODECOMMIT', 'STATUS', 'REFS', 'PUSHES', 'SIZE', 'TIME', 'NOTE'], rows)}\n\n${summary}`;
}
