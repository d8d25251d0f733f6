import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsConfirmation } from '../../src/cli/confirm.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { BIN } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

/**
 * Runs gh2cc on a pseudo-terminal (util-linux `script`), typing `input`: stdin, stdout and stderr are all a
 * TTY, as when a person runs it. What the terminal showed comes back (both streams, CR LF).
 */
function onTerminal(
  args: readonly string[],
  env: Record<string, string>,
  input: string,
): Promise<{ code: number | null; shown: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = ['node', BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  child.stdout.on('data', (b: Buffer) => (shown += b.toString()));
  child.stderr.on('data', (b: Buffer) => (shown += b.toString()));
  child.stdin.end(input);
  // A question nobody answers would hang the test: the terminal run gets a bounded time (11 repositories
  // migrated on a slow 2-core machine take most of it).
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, shown });
    }),
  );
}

describe('needsConfirmation', () => {
  it('asks only on a terminal, only above the threshold, and never with --yes', () => {
    expect(needsConfirmation({ creates: 11, yes: false, interactive: true })).toBe(true);
    expect(needsConfirmation({ creates: 10, yes: false, interactive: true })).toBe(false);
    expect(needsConfirmation({ creates: 500, yes: false, interactive: false })).toBe(false);
    expect(needsConfirmation({ creates: 500, yes: true, interactive: true })).toBe(false);
    expect(needsConfirmation({ creates: 3, yes: false, interactive: true, above: 2 })).toBe(true);
  });
});

describe('gh2cc migrate on a terminal, creating many repositories', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;

  async function created(): Promise<string[]> {
    const names = await readdir(join(sandbox.codecommitDir, 'repos')).catch(() => []);
    return names.filter((n) => /^q\d/.test(n));
  }

  beforeAll(async () => {
    work = await tempDir('gh2cc-confirm-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    const repos = Array.from({ length: 11 }, (_, i) => ({ name: `q${i}`, commits: 1 }));
    await seedOrg(sandbox.githubDir, 'asked', repos);
    env = {
      ...sandbox.info.env,
      GH2CC_ORG: 'asked',
      GH2CC_CACHE_DIR: join(work, 'cache'),
      GH2CC_LOG_DIR: join(work, 'logs'),
    };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('asks before creating more than 10; answering no changes nothing', async () => {
    const r = await onTerminal(['migrate', '--log-file', join(work, 'q1.log')], env, 'n\n');
    expect(r.shown).toContain('This creates 11 CodeCommit repositories');
    expect(r.shown).toContain('Cancelled; nothing was changed');
    expect(r.code, r.shown).toBe(1);
    expect(await created()).toEqual([]);
  });

  it('with --yes goes ahead without asking', async () => {
    const args = ['migrate', '--yes', '--concurrency', '6', '--log-file', join(work, 'q2.log')];
    const r = await onTerminal(args, env, 'n\n');
    expect(r.shown).not.toContain('This creates');
    expect(r.code, r.shown).toBe(0);
    expect(await created()).toHaveLength(11);
  });
});
