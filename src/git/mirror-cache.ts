import { appendFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { exec } from '../util/exec.ts';
import { Gh2ccError } from '../util/errors.ts';
import { gitAuthEnv, type GitAuth } from './git-auth.ts';
import { gitEnv } from './git-env.ts';
import { classifyGitError } from './classify-git-error.ts';
import type { RefUpdateSpec } from '../core/push-plan.ts';

/** Where the record of what the mirror pushed lives inside the cache (see refsAndRecord). */
const RECORD_PREFIX = 'refs/gh2cc/pushed/';

/** Above this many new refs in one push, they go through a staging repo and wildcard refspecs (see push). */
const STAGING_THRESHOLD = 200;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
    await exec('git', ['init', '--bare', '--quiet', this.dir], { env: gitEnv(), cwd: dirname(this.dir) });
    // No reflogs and no automatic gc in the middle of a push; objects of deleted refs stay "known". Fetches
    // always keep their pack (no loose-object explosion for small ones), which also measures what came in.
    // Appended as text: the same as `git config` runs, without more processes per repository.
    await appendFile(
      `${this.dir}/config`,
      '[core]\n\tlogAllRefUpdates = false\n[gc]\n\tauto = 0\n[fetch]\n\tunpackLimit = 1\n',
    );
  }

  /**
   * Holds this repository for one gh2cc process on this host (a lock file beside the cache with pid and
   * host), so two runs sharing a cache never fetch or push the same repository at once. A lock whose process
   * is gone is taken over. Returns the release function, or throws a conflict naming the holder.
   */
  async lock(): Promise<() => Promise<void>> {
    const path = join(
      dirname(dirname(this.dir)),
      '.locks',
      basename(dirname(this.dir)),
      `${basename(this.dir)}.lock`,
    );
    await mkdir(dirname(path), { recursive: true });
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await writeFile(path, mine, { flag: 'wx' });
        return async () => {
          await rm(path, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder: { pid?: number; host?: string } = await readFile(path, 'utf8').then(
          (t) => JSON.parse(t) as { pid?: number; host?: string },
          () => ({}),
        );
        if (holder.host === hostname() && holder.pid !== undefined && isAlive(holder.pid)) {
          throw new Gh2ccError(
            'conflict',
            `another gh2cc process (pid ${holder.pid}) is working on this repository`,
            {
              retryable: false,
              fix: 'let that run finish (or stop it), then run again',
            },
          );
        }
        await rm(path, { force: true });
      }
    }
    throw new Gh2ccError('conflict', 'could not take the repository lock', { retryable: false });
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

  /**
   * Branches and tags of a remote, as `ls-remote` sees them (peeled lines dropped). `protocol: 0` lists in one
   * round trip instead of two: right for CodeCommit, which has only branches and tags; GitHub's side keeps
   * protocol v2, whose server-side filtering skips the thousands of refs/pull/* a busy repo carries.
   */
  async remoteRefs(
    url: string,
    auth: GitAuth | undefined,
    what: string,
    signal?: AbortSignal,
    protocol: 0 | 2 = 2,
  ): Promise<Map<string, string>> {
    const args = protocol === 0 ? ['-c', 'protocol.version=0'] : [];
    const out = await git(this.dir, [...args, 'ls-remote', '--heads', '--tags', url], what, {
      env: gitAuthEnv(auth),
      signal,
    });
    return parseRefLines(out);
  }

  /**
   * The mirrored refs (branches and tags fetched from GitHub) and what the mirror itself last verified on
   * CodeCommit, kept as `refs/gh2cc/pushed/<ref>` in the cache, in one read. Only refs recorded there may be
   * deleted or force-moved on CodeCommit; a cold cache records nothing, so the mirror then reports rather
   * than deletes.
   */
  async refsAndRecord(): Promise<{ local: Map<string, string>; pushed: Map<string, string> }> {
    const out = await git(
      this.dir,
      ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags', RECORD_PREFIX],
      'list refs',
    );
    const local = new Map<string, string>();
    const pushed = new Map<string, string>();
    for (const [ref, sha] of parseRefLines(out)) {
      if (ref.startsWith(RECORD_PREFIX)) pushed.set(`refs/${ref.slice(RECORD_PREFIX.length)}`, sha);
      else local.set(ref, sha);
    }
    return { local, pushed };
  }

  /** Records values now on CodeCommit (undefined: the ref is gone there). */
  async recordPushed(values: ReadonlyMap<string, string | undefined>): Promise<void> {
    const lines = [...values].map(([ref, sha]) => {
      const name = `${RECORD_PREFIX}${ref.slice('refs/'.length)}`;
      return sha === undefined ? `delete ${name}` : `update ${name} ${sha}`;
    });
    if (lines.length > 0)
      await git(this.dir, ['update-ref', '--stdin'], 'record pushed refs', {
        input: `${lines.join('\n')}\n`,
      });
  }

  /**
   * Refs (of `candidates`, ref → [from, to]) where `from` is present here (in `known`, from knownObjects)
   * and an ancestor of `to`.
   */
  async fastForwards(
    candidates: ReadonlyMap<string, readonly [string, string]>,
    known: ReadonlySet<string>,
  ): Promise<Set<string>> {
    const out = new Set<string>();
    for (const [ref, [from, to]] of candidates) {
      if (!known.has(from)) continue;
      const r = await exec('git', ['merge-base', '--is-ancestor', from, to], {
        cwd: this.dir,
        env: gitEnv(),
        check: false,
      });
      if (r.code === 0) out.add(ref);
    }
    return out;
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

  /** How many commits are reachable from `tips` but not from `exclude`. */
  async countNewCommits(tips: readonly string[], exclude: readonly string[]): Promise<number> {
    const input = [...tips, ...exclude.map((e) => `^${e}`)].join('\n');
    const out = await git(this.dir, ['rev-list', '--count', '--stdin'], 'count commits', {
      input: `${input}\n`,
    });
    return Number(out.trim());
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

  /** Bytes of the packs a fetch wrote: what a first push sends, near enough. */
  async sizeBytes(): Promise<number> {
    const packDir = `${this.dir}/objects/pack`;
    const names = await readdir(packDir).catch(() => [] as string[]);
    const sizes = await Promise.all(
      names.filter((n) => n.endsWith('.pack')).map((n) => stat(`${packDir}/${n}`).then((s) => s.size)),
    );
    return sizes.reduce((a, b) => a + b, 0);
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
    const creates = updates.filter((u) => u.sha !== undefined && u.expect === '');
    const leased = updates.filter((u) => !(u.sha !== undefined && u.expect === ''));
    if (creates.length <= STAGING_THRESHOLD)
      return this.pushFrom(this.dir, url, auth, creates, leased, 'explicit', signal);
    const staging = await this.stagingRepo();
    // Clearing what an earlier (perhaps failed) attempt left and staging this batch are two transactions:
    // git refuses one that deletes and creates the same ref, or a ref and another below it (a, a/b).
    const existing = await git(staging, ['for-each-ref', '--format=delete %(refname)'], 'list staging refs');
    if (existing.trim() !== '')
      await git(staging, ['update-ref', '--stdin'], 'clear staging refs', { input: existing });
    const stage = creates.map((u) => `create refs/stage/${u.ref.slice('refs/'.length)} ${u.sha ?? ''}`);
    await git(staging, ['update-ref', '--stdin'], 'stage refs', { input: `${stage.join('\n')}\n` });
    return this.pushFrom(staging, url, auth, creates, leased, 'staged', signal);
  }

  private async pushFrom(
    repo: string,
    url: string,
    auth: GitAuth | undefined,
    creates: readonly RefUpdateSpec[],
    leased: readonly RefUpdateSpec[],
    mode: 'explicit' | 'staged',
    signal?: AbortSignal,
  ): Promise<string[]> {
    const args = ['push', '--porcelain', '--no-verify'];
    for (const u of leased) args.push(`--force-with-lease=${u.ref}:${u.expect}`);
    args.push(url);
    if (mode === 'explicit') {
      for (const u of creates) args.push(`${u.sha ?? ''}:${u.ref}`);
    } else {
      if (creates.some((u) => u.ref.startsWith('refs/heads/'))) args.push('refs/stage/heads/*:refs/heads/*');
      if (creates.some((u) => u.ref.startsWith('refs/tags/'))) args.push('refs/stage/tags/*:refs/tags/*');
    }
    for (const u of leased) args.push(u.sha === undefined ? `:${u.ref}` : `+${u.sha}:${u.ref}`);
    const r = await exec('git', args, { cwd: repo, env: gitAuthEnv(auth), check: false, signal });
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
    // Outside the owners' folders: `<name>.push.git` beside the cache could be another repository's cache.
    const dir = join(dirname(dirname(this.dir)), '.staging', basename(dirname(this.dir)), basename(this.dir));
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
