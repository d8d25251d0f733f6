import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { wikiTargetName } from '../../src/core/name-mapping.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { getSourceRepo } from '../../src/github/get-source-repo.ts';
import type { MigrationReport } from '../../src/migrate/report.ts';
import { createMirrorContext, syncDepsFor } from '../../src/mirror/mirror-context.ts';
import { storeDirFor } from '../../src/mirror/repo-session.ts';
import { syncRepo } from '../../src/mirror/sync-repo.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { bothSides, sameRefs } from '../helpers/mirror-checks.ts';
import { gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

async function readReport(path: string): Promise<MigrationReport> {
  return JSON.parse(await readFile(path, 'utf8')) as MigrationReport;
}

/** A commit on top of `parent` whose tree is the one entry `entry` (`<mode> <type> <sha>\t<name>`), by plumbing. */
async function commitWith(gitDir: string, entry: string, parent: string, message: string): Promise<string> {
  const tree = (await runGit(gitDir, ['mktree'], { input: `${entry}\n` })).stdout.trim();
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  return (await runGit(gitDir, ['commit-tree', tree, '-p', parent, '-m', message], { env })).stdout.trim();
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('hostile names and content through gh2cc migrate', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;
  const longName = `w${'x'.repeat(99)}`;

  beforeAll(async () => {
    work = await tempDir('gh2cc-hostile-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    env = { ...sandbox.info.env, GH2CC_CACHE_DIR: join(work, 'cache'), GH2CC_RETRIES: '0' };
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await sandbox.close();
  });

  it('keeps a wiki out of its own 100-character repository: distinct companion, exit 0 twice', async () => {
    // The reproduction: an empty repo whose name is 100 characters, with a wiki that has pages.
    await seedOrg(sandbox.githubDir, 'wk', [{ name: longName, commits: 0 }]);
    await seedOrg(sandbox.githubDir, 'wk', [{ name: `${longName}.wiki`, commits: 3 }]);
    const wiki = wikiTargetName(longName);
    expect(wiki).not.toBe(longName);
    expect(wiki.length).toBeLessThanOrEqual(100);
    for (const round of [1, 2]) {
      const run = gh2cc(
        ['migrate', '--org', 'wk', '--wikis', '--report', join(work, `wk${round}.json`)],
        env,
        work,
      );
      expect(await run.exited, run.stderr()).toBe(0);
    }
    const main = await bothSides(sandbox.info, sandbox.githubDir, 'wk', longName, longName);
    expect(main.codecommit?.size).toBe(0);
    const companion = await bothSides(sandbox.info, sandbox.githubDir, 'wk', `${longName}.wiki`, wiki);
    expect(companion.github.size).toBe(1);
    expect(sameRefs(companion.github, companion.codecommit)).toBe(true);
  });

  it('refuses, before any change, a repository named like a wiki companion in its final (cut) form', async () => {
    const long = `c${'y'.repeat(99)}`;
    await seedOrg(sandbox.githubDir, 'cut', [{ name: long, commits: 1 }]);
    await seedOrg(sandbox.githubDir, 'cut', [{ name: `${long}.wiki`, commits: 1 }]);
    await seedOrg(sandbox.githubDir, 'cut', [{ name: 'other', commits: 1 }]);
    const config = join(work, 'cut.yaml');
    await writeFile(config, `migrate:\n  naming:\n    renames:\n      other: ${wikiTargetName(long)}\n`);
    const before = await readdir(join(sandbox.codecommitDir, 'repos'));
    const run = gh2cc(['migrate', '--org', 'cut', '--wikis', '--config', config], env, work);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain(`name collision: ${long} (its wiki), other`);
    expect(await readdir(join(sandbox.codecommitDir, 'repos'))).toEqual(before);
  });

  it('fails a shallow source repository instead of calling it empty, and pushes nothing', async () => {
    await seedOrg(sandbox.githubDir, 'shallow-src', [{ name: 'full', commits: 5, tags: 2 }]);
    const dir = join(sandbox.githubDir, 'shallow-src', 'cut.git');
    await runGit(work, [
      'clone',
      '--quiet',
      '--bare',
      '--depth',
      '1',
      `file://${join(sandbox.githubDir, 'shallow-src', 'full.git')}`,
      dir,
    ]);
    expect(await exists(join(dir, 'shallow'))).toBe(true);
    const report = join(work, 'shallow.json');
    const run = gh2cc(['migrate', '--org', 'shallow-src', '--report', report], env, work);
    expect(await run.exited).toBe(1);
    const r = await readReport(report);
    const cut = r.repos.find((x) => x.repo === 'shallow-src/cut');
    expect(cut?.status).toBe('failed');
    expect(cut?.errors.join('\n')).toMatch(/shallow/);
    expect(cut?.errors.join('\n')).toContain('refs/heads/main');
    expect(r.repos.find((x) => x.repo === 'shallow-src/full')?.status).toBe('migrated');
    const sides = await bothSides(sandbox.info, sandbox.githubDir, 'shallow-src', 'cut', 'cut');
    expect(sides.codecommit?.size ?? 0).toBe(0);
  });

  it('refuses a GitHub branch under gh2cc-backup/ loudly (failed, named, with the fix), mirrors the rest, and verify flags it', async () => {
    await seedOrg(sandbox.githubDir, 'bk', [{ name: 'app', commits: 3, branches: 1 }]);
    const gh = join(sandbox.githubDir, 'bk', 'app.git');
    await runGit(gh, ['update-ref', 'refs/heads/gh2cc-backup/main', 'refs/heads/main~1']);
    const report = join(work, 'bk.json');
    const run = gh2cc(['migrate', '--org', 'bk', '--report', report], env, work);
    expect(await run.exited, run.stderr()).toBe(1);
    const app = (await readReport(report)).repos.find((x) => x.repo === 'bk/app');
    expect(app?.status).toBe('failed');
    expect(app?.errors.join('\n')).toContain('gh2cc-backup/main');
    expect(app?.errors.join('\n')).toMatch(/fix: rename/);
    // Every other branch and tag is there; the reserved name is not (nor anything else under the prefix).
    const sides = await bothSides(sandbox.info, sandbox.githubDir, 'bk', 'app', 'app');
    expect(sides.backups.size).toBe(0);
    expect(sides.codecommit?.get('refs/heads/main')).toBe(sides.github.get('refs/heads/main'));
    expect(sides.codecommit?.get('refs/heads/topic-0')).toBe(sides.github.get('refs/heads/topic-0'));
    // verify never calls it equal.
    const verify = gh2cc(['verify', '--org', 'bk'], env, work);
    expect(await verify.exited).not.toBe(0);
    expect(verify.stdout() + verify.stderr()).toContain('gh2cc-backup/main');
  });

  it('after a run stopped between increments, a force-push on GitHub is replicated, not called divergence', async () => {
    await seedOrg(sandbox.githubDir, 'inc', [{ name: 'long', commits: 120 }]);
    const cacheDir = join(work, 'inc-cache');
    for (const [k, v] of Object.entries(sandbox.info.env)) vi.stubEnv(k, v);
    vi.stubEnv('AWS_CONFIG_FILE', '/dev/null');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/dev/null');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    const base = loadConfig({ env: { ...sandbox.info.env, GH2CC_CACHE_DIR: cacheDir, GH2CC_RETRIES: '0' } });
    const config = { ...base, mirror: { ...base.mirror, incrementCommits: 30 } };
    const ctx = createMirrorContext(config, createLogger({ level: 'silent' }));
    const source = await getSourceRepo(ctx.github, 'inc', 'long');

    // Ctrl-C as the first increment lands: the run stops before the next push.
    const stop = new AbortController();
    const first = await syncRepo(
      source,
      'long',
      syncDepsFor(ctx, {
        verify: 'refs',
        wikis: false,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.phase === 'push' && p.done === 1 && p.objects === undefined) stop.abort();
        },
      }),
    );
    expect(first.status).toBe('interrupted');
    const gh = join(sandbox.githubDir, 'inc', 'long.git');
    const partial = await bothSides(sandbox.info, sandbox.githubDir, 'inc', 'long', 'long');
    const intermediate = partial.codecommit?.get('refs/heads/main');
    expect(intermediate).toBeDefined();
    expect(intermediate).not.toBe(partial.github.get('refs/heads/main'));

    // GitHub's main is force-pushed back behind the intermediate tip.
    const early = (await runGit(gh, ['rev-parse', 'refs/heads/main~110'])).stdout.trim();
    await runGit(gh, ['update-ref', 'refs/heads/main', early]);
    const second = await syncRepo(source, 'long', syncDepsFor(ctx, { verify: 'refs', wikis: false }));
    expect(second.divergentRefs ?? []).toEqual([]);
    expect(second.status).toBe('migrated');
    const after = await bothSides(sandbox.info, sandbox.githubDir, 'inc', 'long', 'long');
    expect(sameRefs(after.github, after.codecommit)).toBe(true);
  });

  it('mirrors hostile ref names and odd objects exactly, runs nothing, and leaves notes and replace refs out', async () => {
    await seedOrg(sandbox.githubDir, 'odd', [{ name: 'refs', commits: 4 }]);
    const gh = join(sandbox.githubDir, 'odd', 'refs.git');
    const rev = async (r: string): Promise<string> => (await runGit(gh, ['rev-parse', r])).stdout.trim();
    const main = await rev('refs/heads/main');
    const canary = join(work, 'PWNED');
    // Each is a valid git ref name that a shell, an option parser or a path join would misread.
    const hostile = [
      'refs/heads/-leading-dash',
      'refs/heads/--force',
      `refs/heads/$(touch\${IFS}${canary})`,
      `refs/heads/a;touch\${IFS}${canary}`,
      'refs/heads/`id`|x&y<z>',
      'refs/heads/quote\'s"double"',
      'refs/heads/ünïcødé/日本語',
      'refs/heads/Feature',
      'refs/heads/feature',
      'refs/tags/-v1',
      'refs/tags/$HOME',
    ];
    for (const ref of hostile) await runGit(gh, ['update-ref', ref, main]);
    // A tag on a tree and one on a blob; a submodule (gitlink) in a commit.
    await runGit(gh, ['update-ref', 'refs/tags/on-tree', await rev('refs/heads/main^{tree}')]);
    await runGit(gh, ['update-ref', 'refs/tags/on-blob', await rev('refs/heads/main:n.txt')]);
    const withGitlink = await commitWith(gh, `160000 commit ${main}\tsub`, main, 'add a submodule');
    await runGit(gh, ['update-ref', 'refs/heads/with-submodule', withGitlink]);
    // Notes and replace refs live outside refs/heads and refs/tags: not mirrored (README says so).
    await runGit(gh, ['update-ref', 'refs/notes/commits', main]);
    await runGit(gh, ['update-ref', `refs/replace/${main}`, withGitlink]);

    const report = join(work, 'odd.json');
    const run = gh2cc(['migrate', '--org', 'odd', '--report', report], env, work);
    expect(await run.exited, run.stderr()).toBe(0);
    expect((await readReport(report)).repos[0]?.verified).toBe(true);
    const sides = await bothSides(sandbox.info, sandbox.githubDir, 'odd', 'refs', 'refs');
    for (const ref of [...hostile, 'refs/tags/on-tree', 'refs/tags/on-blob', 'refs/heads/with-submodule'])
      expect(sides.codecommit?.get(ref), ref).toBe(sides.github.get(ref));
    expect(sameRefs(sides.github, sides.codecommit)).toBe(true);
    const everything = await runGit(join(sandbox.codecommitDir, 'repos', 'refs.git'), [
      'for-each-ref',
      '--format=%(refname)',
    ]);
    expect(everything.stdout).toContain('refs/heads/main');
    expect(everything.stdout).not.toMatch(/refs\/(notes|replace|pull)\//);
    expect(await exists(canary)).toBe(false);
    expect(await exists(join(process.cwd(), 'PWNED'))).toBe(false);
  });

  it('mirrors a 25 MB incompressible file exactly', async () => {
    await seedOrg(sandbox.githubDir, 'huge', [{ name: 'media', commits: 2 }]);
    const gh = join(sandbox.githubDir, 'huge', 'media.git');
    const data = join(work, 'huge.bin');
    await writeFile(data, randomBytes(25 * 1024 * 1024));
    const blob = (await runGit(gh, ['hash-object', '-w', data])).stdout.trim();
    const commit = await commitWith(gh, `100644 blob ${blob}\thuge.bin`, 'refs/heads/main', 'a huge file');
    await runGit(gh, ['update-ref', 'refs/heads/main', commit]);
    const run = gh2cc(['migrate', '--org', 'huge'], env, work);
    expect(await run.exited, run.stderr()).toBe(0);
    const sides = await bothSides(sandbox.info, sandbox.githubDir, 'huge', 'media', 'media');
    expect(sides.codecommit?.get('refs/heads/main')).toBe(commit);
    // The blob itself arrived whole: CodeCommit's copy hashes to the same id.
    const cc = join(sandbox.codecommitDir, 'repos', 'media.git');
    expect((await runGit(cc, ['cat-file', '-s', blob])).stdout.trim()).toBe(String(25 * 1024 * 1024));
  });

  it('fails a source with a corrupt object and pushes nothing', async () => {
    await seedOrg(sandbox.githubDir, 'corrupt', [{ name: 'broken', commits: 3 }]);
    const gh = join(sandbox.githubDir, 'corrupt', 'broken.git');
    // A new blob written loose, committed, then its object file removed: GitHub would fail to pack it.
    const blob = (
      await runGit(gh, ['hash-object', '-w', '--stdin'], { input: 'lost content\n' })
    ).stdout.trim();
    const commit = await commitWith(gh, `100644 blob ${blob}\tlost.txt`, 'refs/heads/main', 'corrupt');
    await runGit(gh, ['update-ref', 'refs/heads/main', commit]);
    await rm(join(gh, 'objects', blob.slice(0, 2), blob.slice(2)));
    const report = join(work, 'corrupt.json');
    const run = gh2cc(['migrate', '--org', 'corrupt', '--report', report], env, work);
    expect(await run.exited).toBe(1);
    const r = (await readReport(report)).repos[0];
    expect(r?.status).toBe('failed');
    expect(r?.refsPushed).toBe(0);
    const sides = await bothSides(sandbox.info, sandbox.githubDir, 'corrupt', 'broken', 'broken');
    expect(sides.codecommit?.size ?? 0).toBe(0);
  });

  it('refuses repository names from the API that would leave the mirror cache, creating nothing', async () => {
    const evil = [
      { name: '../../../../escaped', owner: 'evil' },
      { name: '..', owner: 'evil' },
      { name: 'ok', owner: '../evil' },
    ];
    const api: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/orgs/evil/repos') {
        res.end(
          JSON.stringify(
            evil.map((r, i) => ({
              id: 1000 + i,
              name: r.name,
              full_name: `${r.owner}/${r.name}`,
              owner: { login: r.owner },
              default_branch: 'main',
              clone_url: `${sandbox.info.github.apiUrl.replace(/\/api\/v3$/, '')}/${r.owner}/${r.name}.git`,
              html_url: `https://github.example/${r.owner}/${r.name}`,
              has_wiki: false,
            })),
          ),
        );
        return;
      }
      res.statusCode = 404;
      res.end('{"message":"Not Found"}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    try {
      const cache = join(work, 'evil', 'cache');
      const run = gh2cc(
        ['migrate', '--org', 'evil'],
        {
          ...env,
          GITHUB_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
          GH2CC_CACHE_DIR: cache,
        },
        work,
      );
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain('not a valid repository name');
      expect(run.stderr()).toContain('nothing was changed');
      expect(await exists(join(work, 'escaped.git'))).toBe(false);
      expect(await exists(join(work, 'evil', 'escaped.git'))).toBe(false);
      expect(await exists(join(cache, 'evil'))).toBe(false);
    } finally {
      api.close();
      await rm(join(work, 'evil'), { recursive: true, force: true });
    }
    // The same guard where the daemon and webhooks reach the cache.
    expect(() => storeDirFor('/c', { owner: 'evil', name: '../../x' })).toThrow(/not a valid GitHub/);
    expect(() => storeDirFor('/c', { owner: '..', name: 'x' })).toThrow(/not a valid GitHub/);
    expect(storeDirFor('/c', { owner: 'acme', name: 'a.b_c-d' })).toBe('/c/acme/a.b_c-d.git');
  });
});
