import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { gitEnv } from './git-env.ts';
import { parseRefLines, runGit } from './git-runner.ts';
import { countCommits, PackObjects, rootAttributes } from './pack-objects.ts';
import { createBareRepo, readRefFiles, writeRefFiles } from './ref-files.ts';

/**
 * simple-git inspects the environment and refuses some variables; gitEnv() sets exactly these on purpose
 * (isolation from the user's git config, the inline credential helper, BatchMode ssh).
 */
const ALLOWED_ENV = {
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeAskPass: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeSshCommand: true,
} as const;

/** Where the record of what the mirror pushed lives inside the store (see refsAndRecord). */
export const RECORD_PREFIX = 'refs/gh2cc/pushed/';

/** The CodeCommit ref a record entry stands for: `refs/gh2cc/pushed/heads/x` → `refs/heads/x`. */
function recordedName(recordRef: string): string {
  return `refs/${recordRef.slice(RECORD_PREFIX.length)}`;
}

/** Commits walked in this process at most before `git rev-list` counts instead (see PackObjects). */
const WALK_LIMIT = 400;

const LFS_FILTER = /filter=lfs/;

/** A file in the entry whose mtime says when its objects were last checked with `git fsck`. */
const CHECK_MARKER = 'gh2cc-checked';

/**
 * The local bare mirror of one source repository: a speed-up, never the source of truth. Only local git
 * work happens here; the network (fetch, ls-remote, push) is in transport.ts.
 */
export class MirrorStore {
  readonly dir: string;
  private objects: { key: string; opened: Promise<PackObjects | undefined> } | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  exists(): Promise<boolean> {
    // One small local file: the synchronous call costs microseconds (see readRefFiles).
    return Promise.resolve(existsSync(join(this.dir, 'HEAD')));
  }

  async ensure(): Promise<void> {
    if (await this.exists()) return;
    // No reflogs and no automatic gc in the middle of a push; objects of deleted refs stay "known". Fetches
    // always keep their pack (no loose-object explosion for small ones), which also measures what came in.
    await createBareRepo(
      this.dir,
      '[core]\n\tlogAllRefUpdates = false\n[gc]\n\tauto = 0\n[fetch]\n\tunpackLimit = 1\n',
    );
    // A new entry is as checked as it gets: everything in it is about to come from the source.
    writeFileSync(join(this.dir, CHECK_MARKER), new Date().toISOString());
  }

  /** Marks the entry as just used: the cache's size cap evicts the least recently used entries first. */
  touch(): Promise<void> {
    const now = new Date();
    try {
      utimesSync(join(this.dir, 'HEAD'), now, now);
    } catch {
      // Gone meanwhile (evicted): nothing to mark.
    }
    return Promise.resolve();
  }

  /**
   * The mirrored refs (branches and tags fetched from GitHub) and what the mirror itself last verified on
   * CodeCommit, kept as `refs/gh2cc/pushed/<ref>` in the store, in one read. Only refs recorded there may be
   * deleted or force-moved on CodeCommit; a cold cache records nothing, so the mirror then reports rather
   * than deletes.
   */
  async refsAndRecord(): Promise<{ local: Map<string, string>; pushed: Map<string, string> }> {
    const prefixes = ['refs/heads/', 'refs/tags/', RECORD_PREFIX];
    const refs =
      (await readRefFiles(this.dir, prefixes)) ??
      parseRefLines(
        (
          await runGit(this.dir, ['for-each-ref', '--format=%(objectname) %(refname)', ...prefixes], {
            what: 'list refs',
          })
        ).stdout,
      );
    const local = new Map<string, string>();
    const pushed = new Map<string, string>();
    for (const [ref, sha] of refs) {
      if (ref.startsWith(RECORD_PREFIX)) pushed.set(recordedName(ref), sha);
      else local.set(ref, sha);
    }
    return { local, pushed };
  }

  /** The record alone (see refsAndRecord): what the mirror last verified on CodeCommit. */
  async record(): Promise<Map<string, string>> {
    const refs = await readRefFiles(this.dir, [RECORD_PREFIX]);
    if (refs === undefined) return (await this.refsAndRecord()).pushed;
    return new Map([...refs].map(([ref, sha]) => [recordedName(ref), sha]));
  }

  /** The mirrored refs (branches and tags fetched from GitHub). */
  async refs(): Promise<Map<string, string>> {
    return (await this.refsAndRecord()).local;
  }

  /** Records values now on CodeCommit (undefined: the ref is gone there). */
  async recordPushed(values: ReadonlyMap<string, string | undefined>): Promise<void> {
    if (values.size === 0) return;
    const updates = new Map(
      [...values].map(([ref, sha]) => [`${RECORD_PREFIX}${ref.slice('refs/'.length)}`, sha] as const),
    );
    if (await writeRefFiles(this.dir, updates)) return;
    const lines = [...updates].map(([name, sha]) =>
      sha === undefined ? `delete ${name}` : `update ${name} ${sha}`,
    );
    await runGit(this.dir, ['update-ref', '--stdin'], {
      input: `${lines.join('\n')}\n`,
      what: 'record pushed refs',
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
      const r = await runGit(this.dir, ['merge-base', '--is-ancestor', from, to], { check: false });
      if (r.code === 0) out.add(ref);
    }
    return out;
  }

  /** The subset of `shas` whose objects exist here (i.e. that came from GitHub at some point). */
  async knownObjects(shas: Iterable<string>): Promise<Set<string>> {
    const list = [...new Set(shas)];
    if (list.length === 0) return new Set();
    const { stdout } = await runGit(this.dir, ['cat-file', '--batch-check=%(objectname)'], {
      input: `${list.join('\n')}\n`,
      what: 'check objects',
    });
    return new Set(
      stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^[0-9a-f]{40,64}$/.test(l)),
    );
  }

  /**
   * The commit each object comes to once tags are peeled (a commit maps to itself), for objects in the store;
   * an object that peels to no commit (a tag of a tree or blob) or is missing is left out.
   */
  async peelToCommits(shas: Iterable<string>): Promise<Map<string, string>> {
    const list = [...new Set(shas)];
    if (list.length === 0) return new Map();
    // One line out per line in, in order: "<commit> commit" or "<expr> missing" (or an ambiguity note).
    const { stdout } = await runGit(this.dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      input: `${list.map((sha) => `${sha}^{commit}`).join('\n')}\n`,
      what: 'peel objects',
    });
    const out = new Map<string, string>();
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .forEach((line, i) => {
        const [commit = '', type = ''] = line.trim().split(' ');
        const sha = list[i];
        if (sha !== undefined && type === 'commit' && /^[0-9a-f]{40,64}$/.test(commit)) out.set(sha, commit);
      });
    return out;
  }

  /** First-parent commits reachable from `sha` but not from `exclude`, oldest first. */
  async firstParentCommits(sha: string, exclude: readonly string[]): Promise<string[]> {
    const input = [sha, ...exclude.map((e) => `^${e}`)].join('\n');
    const { stdout } = await runGit(this.dir, ['rev-list', '--first-parent', '--reverse', '--stdin'], {
      input: `${input}\n`,
      what: 'rev-list',
    });
    return stdout.split('\n').filter((l) => l !== '');
  }

  /** How many commits are reachable from `tips` but not from `exclude`. */
  async countNewCommits(tips: readonly string[], exclude: readonly string[]): Promise<number> {
    const objects = await this.smallObjects();
    const counted =
      objects === undefined ? undefined : inProcess(() => countCommits(objects, tips, exclude, WALK_LIMIT));
    if (counted !== undefined) return counted;
    const input = [...tips, ...exclude.map((e) => `^${e}`)].join('\n');
    const { stdout } = await runGit(this.dir, ['rev-list', '--count', '--stdin'], {
      input: `${input}\n`,
      what: 'count commits',
    });
    return Number(stdout.trim());
  }

  /** True when `.gitattributes` at the top of commit `tip` routes files through Git LFS. */
  async usesLfs(tip: string): Promise<boolean> {
    const objects = await this.smallObjects();
    const text = objects === undefined ? undefined : inProcess(() => rootAttributes(objects, tip));
    if (text !== undefined) return LFS_FILTER.test(text);
    const r = await runGit(this.dir, ['cat-file', '-p', `${tip}:.gitattributes`], { check: false });
    return r.code === 0 && LFS_FILTER.test(r.stdout);
  }

  /**
   * The store's objects read in this process (see PackObjects), when the entry is small and plain enough;
   * undefined sends the caller to git. Opened again when the packs have changed (a fetch added one): the plan
   * and the verification of one sync share one reading. (An object added otherwise is only missed, and a
   * missing object sends the caller to git, so a stale reading is never a wrong answer.)
   */
  private async smallObjects(): Promise<PackObjects | undefined> {
    if (['shallow', 'info/grafts', 'refs/replace'].some((p) => existsSync(join(this.dir, p))))
      return undefined;
    const packs = join(this.dir, 'objects', 'pack');
    const key = existsSync(packs) ? readdirSync(packs).sort().join('\n') : '';
    if (this.objects?.key !== key) this.objects = { key, opened: PackObjects.open(this.dir) };
    return this.objects.opened;
  }

  /** Removes the entry and creates it empty: its next fetch brings everything again. */
  async rebuild(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await this.ensure();
  }

  /**
   * Whether the entry is due for an integrity check (never checked, or not for `everyMs`), and marks it
   * checked. Checking on every sync would cost a full object walk each time.
   */
  async dueForCheck(everyMs: number): Promise<boolean> {
    const marker = join(this.dir, CHECK_MARKER);
    const checked = await stat(marker).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (Date.now() - checked < everyMs) return false;
    await writeFile(marker, new Date().toISOString());
    return true;
  }

  /** Whether the store's objects are whole (`git fsck`); a failing entry is rebuilt, never trusted. */
  async isSound(): Promise<boolean> {
    // Local, once a day per entry, no helpers started: simple-git's API suits it (its completion wait costs
    // nothing here). Network commands go through runGit, which stops git's whole process group.
    const git = simpleGit({ baseDir: this.dir, unsafe: ALLOWED_ENV }).env(gitEnv());
    return git.raw(['fsck', '--no-progress', '--no-dangling', '--connectivity-only']).then(
      () => true,
      () => false,
    );
  }

  /** Bytes of the packs a fetch wrote: what a first push sends, near enough. */
  async sizeBytes(): Promise<number> {
    return packBytes(this.dir);
  }

  /** A bare repo beside the store that borrows its objects (alternates) and holds only refs being pushed. */
  async stagingRepo(): Promise<string> {
    // Outside the owners' folders: `<name>.push.git` beside the cache could be another repository's cache.
    const dir = join(dirname(dirname(this.dir)), '.staging', basename(dirname(this.dir)), basename(this.dir));
    const ready = await stat(join(dir, 'objects', 'info', 'alternates')).then(
      () => true,
      () => false,
    );
    if (!ready) {
      await runGit(dirname(this.dir), ['init', '--bare', '--quiet', dir], { what: 'create a staging repo' });
      await writeFile(join(dir, 'objects', 'info', 'alternates'), `${join(this.dir, 'objects')}\n`);
    }
    return dir;
  }
}

/** What reading the objects in this process answers; undefined (ask git) when it fails. */
function inProcess<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Bytes of a bare repository's packs. */
export function packBytes(repoDir: string): Promise<number> {
  // A folder listing and a stat per pack, local: the synchronous calls (see readRefFiles).
  const packDir = join(repoDir, 'objects', 'pack');
  let names: string[];
  try {
    names = readdirSync(packDir);
  } catch {
    return Promise.resolve(0);
  }
  let bytes = 0;
  for (const n of names) {
    if (!n.endsWith('.pack')) continue;
    try {
      bytes += statSync(join(packDir, n)).size;
    } catch {
      // Removed meanwhile (a repack): not there to count.
    }
  }
  return Promise.resolve(bytes);
}
