import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { RepoResult } from '../core/repo-result.ts';
import { buildReport, exitCodeFor, reportTable, saveReport, type MigrationReport } from './report.ts';
import { migratedResult } from '../../test/helpers/repo-result.ts';

const result = migratedResult;

function wikiOf(repo: string, over: Partial<RepoResult> = {}): RepoResult {
  return result(`${repo}.wiki`, { target: `${repo.split('/')[1] ?? repo}.wiki`, ...over });
}

/** The table's rows as cells: [repository, codecommit, status, verified, …]. */
function rows(table: string): string[][] {
  const lines = table.split('\n\n')[0]?.split('\n').slice(2) ?? [];
  return lines.map((l) => l.trim().split(/\s{2,}/));
}

function summaryLine(table: string): string {
  return table.split('\n\n')[1] ?? '';
}

describe('reportTable', () => {
  it('shows a repository failed only by its wiki as such: a one-word status, no ✓, and a failed wiki row', () => {
    const wiki = wikiOf('acme/app', {
      status: 'failed',
      verified: false,
      refsPushed: 0,
      errors: ['GitHub failed while fetching: connection reset'],
    });
    const app = result('acme/app', {
      status: 'failed',
      verified: true,
      errors: ['the wiki was not mirrored: GitHub failed while fetching: connection reset'],
      wiki,
    });
    const table = reportTable(buildReport('acme', 'in-process', new Date(), [app], []));
    const [main, wikiRow] = rows(table);
    expect(table).not.toContain('✓');
    expect(main?.[0]).toBe('acme/app');
    expect(main?.[2]).toBe('failed');
    expect(main?.[3]).toBe('yes');
    expect(main?.at(-1)).toMatch(/repository mirrored and verified; its wiki failed/);
    expect(wikiRow?.[0]).toBe('acme/app.wiki');
    expect(wikiRow?.[2]).toBe('failed');
    expect(wikiRow?.[3]).toBe('no');
    expect(wikiRow?.at(-1)).toContain('connection reset');
    expect(summaryLine(table)).toMatch(/1 failed.*; 1 wiki: 1 failed;/);
  });

  it('counts wikis apart, so the summary agrees with the rows (an empty repo with a migrated wiki)', () => {
    const blank = result('acme/blank', {
      status: 'empty',
      refsPushed: 0,
      pushes: 0,
      warnings: ['empty repository: created in CodeCommit with no branches'],
      wiki: wikiOf('acme/blank'),
    });
    const report = buildReport('acme', 'in-process', new Date(), [blank, result('acme/api')], []);
    expect(report.summary).toMatchObject({ total: 2, migrated: 1, empty: 1 });
    expect(report.wikiSummary).toMatchObject({ total: 1, migrated: 1, empty: 0 });
    const table = reportTable(report);
    const statuses = rows(table).map((r) => r[2]);
    expect(statuses).toEqual(['empty', 'migrated', 'migrated']);
    expect(rows(table).map((r) => r[3])).toEqual(['yes', 'yes', 'yes']);
    expect(summaryLine(table)).toMatch(
      /^2 repositories: 1 migrated, 0 up to date, 1 empty, .*; 1 wiki: 1 migrated; 0 skipped by filters; 6 refs pushed/,
    );
  });

  it('puts no mark beside a failed or diverged status, and gives every row a one-word status', () => {
    const report = buildReport(
      'acme',
      'in-process',
      new Date(),
      [
        result('acme/api'),
        result('acme/web', { status: 'diverged', verified: true, divergentRefs: ['refs/heads/main'] }),
        result('acme/ops', { status: 'failed', verified: false, errors: ['CodeCommit refused the push'] }),
        result('acme/old', { status: 'interrupted', verified: false }),
      ],
      [],
    );
    const table = reportTable(report);
    expect(table).not.toContain('✓');
    expect(stripVTControlCharacters(table)).toBe(table); // no colour unless asked for
    expect(rows(table).map((r) => [r[2], r[3]])).toEqual([
      ['migrated', 'yes'],
      ['diverged', 'yes'],
      ['failed', 'no'],
      ['interrupted', 'no'],
    ]);
  });

  it('colours the status on request, keeping the columns aligned as they show', () => {
    const report = buildReport(
      'acme',
      'in-process',
      new Date(),
      [result('acme/api'), result('acme/ops', { status: 'failed', verified: false, errors: ['no'] })],
      [],
    );
    const plain = reportTable(report);
    const coloured = reportTable(report, { color: true });
    expect(coloured).toContain('\u001b[32mmigrated\u001b[39m');
    expect(coloured).toContain('\u001b[31mfailed\u001b[39m');
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });

  it('leaves wikis out of the summary when there are none', () => {
    const report = buildReport('acme', 'in-process', new Date(), [result('acme/api')], []);
    expect(report.wikiSummary).toBeUndefined();
    expect(summaryLine(reportTable(report))).not.toContain('wiki');
  });
});

describe('exitCodeFor', () => {
  it('fails the run when a wiki diverged, as it does for a repository', () => {
    const api = result('acme/api', { wiki: wikiOf('acme/api', { status: 'diverged' }) });
    expect(exitCodeFor(buildReport('acme', 'in-process', new Date(), [api], []))).toBe(1);
    const ok = result('acme/api', { wiki: wikiOf('acme/api') });
    expect(exitCodeFor(buildReport('acme', 'in-process', new Date(), [ok], []))).toBe(0);
  });
});

describe('saveReport', () => {
  const report = (): MigrationReport =>
    buildReport('acme', 'in-process', new Date('2026-01-02T03:04:05.678Z'), [result('acme/api')], []);

  it('writes where asked when it can', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh2cc-report-'));
    const saved = await saveReport(join(dir, 'r.json'), report(), [join(dir, 'fallback')]);
    expect(saved).toEqual({ path: join(dir, 'r.json') });
    expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))).toMatchObject({ owner: 'acme' });
  });

  it('falls back to the next directory that takes it, saying why, when the path asked for fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh2cc-report-'));
    await writeFile(join(dir, 'gone'), 'a file where the report directory was');
    const fallback = join(dir, 'cache');
    await mkdir(fallback);
    const saved = await saveReport(join(dir, 'gone', 'r.json'), report(), [join(dir, 'gone'), fallback]);
    expect(saved.problem).toBeDefined();
    expect(saved.path).toBe(join(fallback, 'report-2026-01-02T03-04-05-678Z.json'));
    const written = JSON.parse(await readFile(saved.path ?? '', 'utf8')) as MigrationReport;
    expect(written.summary.migrated).toBe(1);
  });

  it('says so when no fallback takes it either', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh2cc-report-'));
    await writeFile(join(dir, 'file'), '');
    const saved = await saveReport(join(dir, 'file', 'r.json'), report(), [join(dir, 'file', 'x')]);
    expect(saved.path).toBeUndefined();
    expect(saved.problem).toMatch(/ENOTDIR|EEXIST/);
  });
});
