import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, inject, it } from 'vitest';
import type { RepoResult } from '../../src/core/repo-result.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { applySyncResult, initialState } from '../../src/state/repo-state.ts';
import { StateStore } from '../../src/state/state-store.ts';
import { expectSchemaValid } from '../helpers/output-schemas.ts';
import { gh2cc } from '../helpers/processes.ts';

const SHA = (c: string): string => c.repeat(40);

function result(repo: string, over: Partial<RepoResult> = {}): RepoResult {
  return {
    repo,
    target: repo.split('/')[1] ?? repo,
    status: 'migrated',
    created: false,
    ensured: true,
    refsPushed: 2,
    pushes: 1,
    bytes: 2048,
    durationMs: 900,
    verified: true,
    warnings: [],
    errors: [],
    newCommits: 3,
    heads: { github: SHA('a'), codecommit: SHA('a') },
    ...over,
  };
}

describe('the JSON schemas in schemas/', () => {
  it('compile strictly, carry their name and version in $id, and are in the package', async () => {
    const names = (await readdir('schemas')).filter((f) => f.endsWith('.schema.json'));
    expect(names.sort()).toEqual([
      'drift.v1.schema.json',
      'iam-plan.v1.schema.json',
      'migration-plan.v1.schema.json',
      'migration-report.v1.schema.json',
      'notification.v1.schema.json',
      'status.v1.schema.json',
      'verify.v1.schema.json',
    ]);
    for (const name of names) {
      const schema = JSON.parse(await readFile(join('schemas', name), 'utf8')) as { $id: string };
      const [, base, version] = /^(.+)\.v(\d+)\.schema\.json$/.exec(name) ?? [];
      expect(schema.$id).toBe(`urn:gh2cc:schema:${base}:v${version}`);
      const ajv = new Ajv2020({ strict: true });
      addFormats.default(ajv);
      expect(() => ajv.compile(schema), name).not.toThrow();
    }
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const packed = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    for (const name of names) expect(packed).toContain(`schemas/${name}`);
  });
});

describe('gh2cc status --json', () => {
  it('prints only the states the daemon keeps, valid by schemas/status.v1.schema.json', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = `{s${randomBytes(4).toString('hex')}}`;
    const redis = createRedis(redisUrl, 'gh2cc-test');
    try {
      const store = new StateStore(redis, prefix);
      const now = new Date();
      const synced = (r: RepoResult, final = true, prev = initialState(r.repo, r.target, 7)) =>
        applySyncResult(prev, r, {
          now,
          final,
          requestedAt: now.getTime() - 1500,
          pushedAt: now.toISOString(),
        });
      const diverged = result('acme/web', {
        status: 'diverged',
        divergentRefs: ['refs/heads/hotfix'],
        divergent: [{ ref: 'refs/heads/hotfix', github: null, codecommit: SHA('b') }],
        backups: [
          {
            ref: 'refs/heads/topic',
            sha: SHA('c'),
            backup: 'refs/heads/gh2cc-backup/20261126T221000Z-cccccccc/heads/topic',
            reason: 'force-pushed',
            github: SHA('d'),
          },
        ],
      });
      const failed = result('acme/ops', {
        status: 'failed',
        verified: false,
        errors: ['CodeCommit refused the push', 'fix: check the IAM policy'],
        errorCode: 'auth',
      });
      await store.putMany([
        synced(result('acme/api')),
        synced(diverged),
        synced(failed),
        synced(failed, false, initialState('acme/retry', 'retry')),
        initialState('acme/new', 'new'),
      ]);
      await store.markRequested('acme/api', now.getTime());
      const p = gh2cc(['status', '--json'], { REDIS_URL: redisUrl, GH2CC_REDIS_PREFIX: prefix });
      expect(await p.exited, p.stderr()).toBe(1); // ops is failing
      const status = expectSchemaValid('status', p.stdout()) as { repos: { repo: string; state: string }[] };
      expect(status.repos.map((s) => [s.repo, s.state]).sort()).toEqual([
        ['acme/api', 'behind'],
        ['acme/new', 'pending'],
        ['acme/ops', 'failing'],
        ['acme/retry', 'behind'],
        ['acme/web', 'diverged'],
      ]);
    } finally {
      redis.disconnect();
    }
  });
});
