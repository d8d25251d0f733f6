import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';
import { freePort } from '../harness/services.ts';

/** Runs gh2cc in an empty folder with no configuration at all: a usage error needs no sandbox or cloud. */
async function run(args: readonly string[]): Promise<{ code: number | null; lines: string[]; dir: string }> {
  const dir = await tempDir('gh2cc-usage-');
  const p = gh2cc(args, {}, dir);
  const code = await p.exited;
  return { code, lines: p.stderr().trimEnd().split('\n'), dir };
}

// Each case is a fresh process started through tsx: they run side by side.
describe.concurrent('option errors', () => {
  it.for([
    [['migrate', '--concurrency', '-3'], /--concurrency.*'-3' is invalid.*≥ 1; see gh2cc migrate --help$/],
    [['verify', '--concurrency', '0'], /--concurrency.*'0' is invalid.*; see gh2cc verify --help$/],
    [['migrate', '--wiki'], /unknown option '--wiki' \(Did you mean --wikis\?\); see gh2cc migrate --help$/],
    [['daemon', '--queues', 'nope'], /unknown queue "nope".*; see gh2cc daemon --help$/],
    [['sync', 'not-a-repo'], /expected OWNER\/REPO.*; see gh2cc sync --help$/],
    [['config', 'validate', '--bogus'], /unknown option '--bogus'; see gh2cc config validate --help$/],
    [['sandbox', '--seed', 'nope'], /unknown seed 'nope'.*; see --help$/],
    [['no-such-command'], /unknown command 'no-such-command'; see gh2cc --help$/],
    [
      ['migrate', '--org', 'acme', '--log-level', 'verbose'],
      /--log-level.*'verbose' is invalid.*expected one of fatal, .*silent; see gh2cc migrate --help$/,
    ],
    [['serve', '--log-level', 'verbose'], /--log-level.*'verbose' is invalid.*; see gh2cc serve --help$/],
  ] as const)('gh2cc %j prints one line, not the help, and exits 2', async ([args, message], { expect }) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^error: /);
    expect(r.lines[0]).toMatch(message);
  });
});

describe.concurrent('--report and --log-file paths', () => {
  it('are checked before anything starts: one line naming the path and the reason, exit 2', async ({
    expect,
  }) => {
    const r = await run(['migrate', '--org', 'acme', '--report', '/nonexistent/dir/r.json']);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      'error: --report /nonexistent/dir/r.json: directory /nonexistent/dir does not exist',
    ]);
    // Nothing started: not even the default log file was created.
    expect(await readdir(r.dir)).toEqual([]);
  });

  it.for([
    ['migrate', '--log-file', (d: string) => join(d, 'a-file', 'm.log'), /a-file is not a directory$/],
    ['migrate', '--report', (d: string) => d, /: .* is a directory$/],
    [
      'verify',
      '--log-file',
      (d: string) => join(d, 'missing', 'v.log'),
      /directory .*missing does not exist$/,
    ],
  ] as const)(
    '%s %s: a path that cannot be written is a usage error',
    async ([command, flag, path, reason], { expect }) => {
      const dir = await tempDir('gh2cc-paths-');
      await writeFile(join(dir, 'a-file'), '');
      const p = gh2cc([command, '--org', 'acme', flag, path(dir)], {}, dir);
      expect(await p.exited).toBe(2);
      const lines = p.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`error: ${flag} ${path(dir)}: `);
      expect(lines[0]).toMatch(reason);
      expect(p.stderr()).not.toMatch(/\n\s+at /);
    },
  );
});

describe.concurrent('migrate --queue', () => {
  it('without a Redis configured is a configuration error naming the setting, exit 2', async ({ expect }) => {
    const r = await run(['migrate', '--org', 'acme', '--queue', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      'config error: redis.url: required by --queue: the workers’ Redis (REDIS_URL or --redis-url)',
    ]);
  });
});

describe.concurrent('an unreachable Redis', () => {
  it.for(['status', 'status --json', 'sync acme/app', 'sync acme/app --wait'])(
    'gh2cc %s says which Redis, why, and the fix — no stack traces, no password — and exits 1',
    async (line, { expect }) => {
      const port = await freePort();
      const dir = await tempDir('gh2cc-redis-away-');
      const p = gh2cc(line.split(' '), { REDIS_URL: `redis://:not-shown-pw@127.0.0.1:${port}` }, dir);
      expect(await p.exited).toBe(1);
      expect(p.stdout()).toBe('');
      expect(p.stderr().trimEnd().split('\n')).toEqual([
        `error: Redis at redis://:***@127.0.0.1:${port} is unreachable: connect ECONNREFUSED 127.0.0.1:${port}`,
        'fix: start Redis there, or point --redis-url / REDIS_URL at the Redis the gh2cc daemon and workers use',
      ]);
    },
  );
});

describe.concurrent('iam self-policy', () => {
  const where = ['--region', 'eu-west-1', '--account-id', '123456789012'];

  it('takes the CodeCommit prefix as --prefix, as the README says', async ({ expect }) => {
    const p = gh2cc(['iam', 'self-policy', '--prefix', 'gh-', ...where], {}, await tempDir('gh2cc-usage-'));
    expect(await p.exited, p.stderr()).toBe(0);
    const doc = JSON.parse(p.stdout()) as { Statement: { Resource: string | string[] }[] };
    expect(doc.Statement.flatMap((s) => s.Resource)).toContain(
      'arn:aws:codecommit:eu-west-1:123456789012:gh-*',
    );
  });

  it('a KMS key given as an alias is a config error naming the setting and how to find the ARN, not a crash', async ({
    expect,
  }) => {
    const p = gh2cc(
      ['iam', 'self-policy', ...where],
      { GH2CC_KMS_KEY_ID: 'alias/my-key' },
      await tempDir('gh2cc-usage-'),
    );
    expect(await p.exited).toBe(2);
    expect(p.stdout()).toBe('');
    expect(p.stderr().trimEnd().split('\n')).toEqual([
      'error: cannot build the migrate policy:',
      '  codecommit.kmsKeyId / GH2CC_KMS_KEY_ID: expected a KMS key ARN (…:key/ID), got "alias/my-key"',
      'fix: give the key as its ARN (IAM does not match key operations on an alias): aws kms describe-key --key-id alias/my-key --query KeyMetadata.Arn',
    ]);
  });
});
