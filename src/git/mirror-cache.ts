import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exec } from '../util/exec.ts';
import { gitAuthEnv, type GitAuth } from './git-auth.ts';
import { gitEnv } from './git-env.ts';
import { classifyGitError } from './classify-git-error.ts';
import type { RefUpdateSpec } from '../core/push-plan.ts';

/** Runs git in a repo; any failure is classified from stderr (so retries know what is transient). */
async function git(
  cwd: string,
  args: readonly string[],
  what: string,
  options: { env?: NodeJS.ProcessEnv; input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const r = await exec('git', args, {
    cwd,
    env: options.env ?? gitEnv(),
    input: options.input,
    check: false,
    signal: options.signal,
  });
  if (r.code !== 0) throw classifyGitError(r.stderr, what);
  return r.stdout;
}

function parseRefLines(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40,64})\s+(\S+)$/.exec(line.trim());
    if (m !== null && m[2] !== undefined && m[1] !== undefined && !m[2].endsWith('^{}')) refs.set(m[2], m[1]);
  }
  return refs;
}

/** The local bare mirror of one source repository: a speed-up, never the source of truth. */
export class MirrorCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async ensure(): Promise<void> {
    const exists = await stat(`${this.dir}/HEAD`).then(
      () => true,
      () => false,
    );
    if (exists) return;
    await mkdir(dirname(this.dir), { recursive: true });
    await exec('git', ['init', '--bare', '--quiet', this.dir], { env: gitEnv() });
    // No reflogs and no automatic gc in the middle of a push; objects of deleted refs stay "known".
    await git(this.dir, ['config', 'core.logAllRefUpdates', 'false'], 'git config');
    await git(this.dir, ['config', 'gc.auto', '0'], 'git config');
  }

  /** Fetches branches and tags only (never refs/pull/*), pruning what GitHub deleted. */
  async fetch(url: string, auth: GitAuth | undefined, signal?: AbortSignal): Promise<void> {
    await git(
      this.dir,
      [
        'fetch',
        '--prune',
        '--no-tags',
        '--force',
        '--quiet',
        url,
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ],
      'fetch from GitHub',
      { env: gitAuthEnv(auth), signal },
    );
  }

  async localRefs(): Promise<Map<string, string>> {
    const out = await git(
      this.dir,
      ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'],
      'list refs',
    );
    return parseRefLines(out);
  }

  /** Branches and tags of a remote, as `ls-remote` sees them (peeled lines dropped). */
  async remoteRefs(
    url: string,
    auth: GitAuth | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<Map<string, string>> {
    const out = await git(this.dir, ['ls-remote', '--heads', '--tags', url], what, {
      env: gitAuthEnv(auth),
      signal,
    });
    return parseRefLines(out);
  }

  /** The subset of `shas` whose objects exist here (i.e. that came from GitHub at some point). */
  async knownObjects(shas: Iterable<string>): Promise<Set<string>> {
    const list = [...new Set(shas)];
    if (list.length === 0) return new Set();
    const out = await git(this.dir, ['cat-file', '--batch-check=%(objectname)'], 'check objects', {
      input: `${list.join('\n')}\n`,
    });
    return new Set(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^[0-9a-f]{40,64}$/.test(l)),
    );
  }

  /** First-parent commits reachable from `sha` but not from `exclude`, oldest first. */
  async firstParentCommits(sha: string, exclude: readonly string[]): Promise<string[]> {
    const input = [sha, ...exclude.map((e) => `^${e}`)].join('\n');
    const out = await git(this.dir, ['rev-list', '--first-parent', '--reverse', '--stdin'], 'rev-list', {
      input: `${input}\n`,
    });
    return out.split('\n').filter((l) => l !== '');
  }

  /** True when `.gitattributes` at `ref` routes files through Git LFS. */
  async usesLfs(ref: string): Promise<boolean> {
    const r = await exec('git', ['cat-file', '-p', `${ref}:.gitattributes`], {
      cwd: this.dir,
      env: gitEnv(),
      check: false,
    });
    return r.code === 0 && /filter=lfs/.test(r.stdout);
  }

  async sizeBytes(): Promise<number> {
    const out = await git(this.dir, ['count-objects', '-v'], 'count objects');
    const kib = (key: string): number => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(out)?.[1] ?? '0');
    return (kib('size') + kib('size-pack')) * 1024;
  }

  /**
   * One push of ref updates. New refs go through wildcard refspecs from a staging repo that holds only this
   * batch (sharing the cache's objects): over HTTP, git matches every pushed ref against every local ref, so
   * pushing thousands of tags straight from the cache grows quadratically. Moved and deleted refs carry a
   * lease on the value CodeCommit had when planned, so a ref someone else changed meanwhile is refused, not
   * overwritten. Returns the refs git rejected.
   */
  async push(
    url: string,
    auth: GitAuth | undefined,
    updates: readonly RefUpdateSpec[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    if (updates.length === 0) return [];
    const staging = await this.stagingRepo();
    const creates = updates.filter((u) => u.sha !== undefined && u.expect === '');
    const leased = updates.filter((u) => !(u.sha !== undefined && u.expect === ''));
    const existing = await git(staging, ['for-each-ref', '--format=delete %(refname)'], 'list staging refs');
    const commands = [
      ...existing.split('\n').filter((l) => l !== ''),
      ...creates.map((u) => `create refs/stage/${u.ref.slice('refs/'.length)} ${u.sha ?? ''}`),
    ];
    if (commands.length > 0)
      await git(staging, ['update-ref', '--stdin'], 'stage refs', { input: `${commands.join('\n')}\n` });
    const args = ['push', '--porcelain', '--no-verify'];
    for (const u of leased) args.push(`--force-with-lease=${u.ref}:${u.expect}`);
    args.push(url);
    if (creates.some((u) => u.ref.startsWith('refs/heads/'))) args.push('refs/stage/heads/*:refs/heads/*');
    if (creates.some((u) => u.ref.startsWith('refs/tags/'))) args.push('refs/stage/tags/*:refs/tags/*');
    for (const u of leased) args.push(u.sha === undefined ? `:${u.ref}` : `+${u.sha}:${u.ref}`);
    const r = await exec('git', args, { cwd: staging, env: gitAuthEnv(auth), check: false, signal });
    const rejected = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('!\t'))
      .map((l) => l.split('\t')[1]?.split(':')[1] ?? '');
    if (r.code !== 0 && (rejected.length === 0 || /Too many reference update commands/.test(r.stderr))) {
      throw classifyGitError(r.stderr, 'push to CodeCommit');
    }
    return rejected;
  }

  /** A bare repo beside the cache that borrows its objects (alternates) and holds only refs being pushed. */
  private async stagingRepo(): Promise<string> {
    const dir = `${this.dir.replace(/\.git$/, '')}.push.git`;
    const ready = await stat(`${dir}/objects/info/alternates`).then(
      () => true,
      () => false,
    );
    if (!ready) {
      await exec('git', ['init', '--bare', '--quiet', dir], { env: gitEnv() });
      await writeFile(`${dir}/objects/info/alternates`, `${this.dir}/objects\n`);
    }
    return dir;
  }
}
