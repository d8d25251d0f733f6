import { readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { runGit } from '../../git/git-runner.ts';

/**
 * What the GitHub sandbox reads out of a bare repository. Refs come from git itself (`for-each-ref`,
 * `cat-file`), never from parsing `packed-refs` by hand, so any ref storage git supports works. What every
 * repository in a listing needs (HEAD, size, push time) is read from files instead: a git process costs
 * tens of milliseconds, and a page holds up to 100 repositories.
 */

export interface RefTip {
  /** Short name: `main` for `refs/heads/main`, `v1.0` for `refs/tags/v1.0`. */
  readonly name: string;
  /** For tags, the commit an annotated tag points at (what GitHub shows), not the tag object. */
  readonly sha: string;
}

export interface GitPerson {
  readonly name: string;
  readonly email: string;
  /** ISO 8601 in UTC without milliseconds, as GitHub prints dates. */
  readonly date: string;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: GitPerson;
  readonly committer: GitPerson;
  readonly message: string;
}

/** `--git-dir` as well as the working directory: a broken folder must fail, not find an enclosing repo. */
async function git(
  gitDir: string,
  args: readonly string[],
  check = true,
): Promise<{ stdout: string; code: number }> {
  const result = await runGit(gitDir, [`--git-dir=${gitDir}`, ...args], { check });
  return { stdout: result.stdout, code: result.code };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/**
 * The branch HEAD names (also in an empty repository), or null when HEAD is detached. Read from the `HEAD`
 * file, whose format git documents (gitrepository-layout), because listing a page of 100 repositories must
 * not cost 100 git processes; only the reftable placeholder (`refs/heads/.invalid`) needs git to resolve.
 */
export async function readHeadBranch(gitDir: string): Promise<string | null> {
  let text = '';
  try {
    text = readFileSync(join(gitDir, 'HEAD'), 'utf8');
  } catch {
    // No HEAD: git says what it is below.
  }
  const m = /^ref: refs\/heads\/(.+)\n?$/.exec(text);
  if (m?.[1] !== undefined && m[1] !== '.invalid') return m[1];
  if (m === null && text !== '') return null;
  const { stdout, code } = await git(gitDir, ['symbolic-ref', '--quiet', 'HEAD'], false);
  const ref = stdout.trim();
  if (code !== 0 || !ref.startsWith('refs/heads/')) return null;
  return ref.slice('refs/heads/'.length);
}

async function forEachRef(gitDir: string, args: readonly string[], prefix: string): Promise<RefTip[]> {
  // %00 separators: ref names cannot contain NUL, but they can contain almost anything else.
  const { stdout } = await git(gitDir, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(*objectname)',
    ...args,
  ]);
  const tips: RefTip[] = [];
  for (const line of lines(stdout)) {
    const [ref = '', sha = '', peeled = ''] = line.split('\0');
    if (!ref.startsWith(prefix)) continue;
    tips.push({ name: ref.slice(prefix.length), sha: peeled === '' ? sha : peeled });
  }
  return tips;
}

/** Branches sorted by name (byte order, like GitHub's listing). */
export function listBranches(gitDir: string): Promise<RefTip[]> {
  return forEachRef(gitDir, ['--sort=refname', 'refs/heads/'], 'refs/heads/');
}

/** Tags, newest version first (GitHub lists `v1.10` before `v1.9`). */
export function listTags(gitDir: string): Promise<RefTip[]> {
  return forEachRef(gitDir, ['--sort=-v:refname', 'refs/tags/'], 'refs/tags/');
}

/** One branch, or null. The name is used only after `refs/heads/`, so it can never be read as an option. */
export async function readBranch(gitDir: string, name: string): Promise<RefTip | null> {
  // for-each-ref patterns match whole path components as prefixes, so filter for the exact ref.
  const tips = await forEachRef(gitDir, [`refs/heads/${name}`], 'refs/heads/');
  return tips.find((tip) => tip.name === name) ?? null;
}

function person(header: string): GitPerson {
  // "Name <email> 1700000000 +0100": the name may contain anything but '<'.
  const m = /^(.*?) ?<([^>]*)> (\d+) [+-]\d{4}$/.exec(header);
  const seconds = Number(m?.[3] ?? '0');
  return {
    name: m?.[1] ?? header,
    email: m?.[2] ?? '',
    date: new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** Reads a commit object; `sha` must come from git output (never from a request). */
export async function readCommit(gitDir: string, sha: string): Promise<CommitInfo> {
  const { stdout } = await git(gitDir, ['cat-file', 'commit', sha]);
  const split = stdout.indexOf('\n\n');
  const headerText = split === -1 ? stdout : stdout.slice(0, split);
  const message = split === -1 ? '' : stdout.slice(split + 2).replace(/\n$/, '');
  let tree = '';
  const parents: string[] = [];
  let author: GitPerson = { name: '', email: '', date: new Date(0).toISOString() };
  let committer = author;
  for (const line of headerText.split('\n')) {
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') author = person(value);
    else if (key === 'committer') committer = person(value);
  }
  return { sha, tree, parents, author, committer, message };
}

// The folders and files below are small and local, and a listing reads them for every repository on a page:
// synchronous calls cost microseconds each, where the promise API's thread-pool round trips cost more than the
// reading (3 ms of CPU per repository listed, before).

function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function fileSizes(dir: string, accept: (name: string) => boolean): number {
  let sum = 0;
  for (const e of entriesOf(dir))
    if (e.isFile() && accept(e.name)) sum += statOrNull(join(dir, e.name))?.size ?? 0;
  return sum;
}

/**
 * Size on disk in KiB, GitHub's unit for `size`: loose objects plus packs, what `git count-objects -v` sums
 * as `size` + `size-pack`. Summed from the object folders directly for the same reason as readHeadBranch.
 */
export function readSizeKib(gitDir: string): Promise<number> {
  const objects = join(gitDir, 'objects');
  let bytes = fileSizes(join(objects, 'pack'), (name) => /\.(pack|idx|rev|bitmap)$/.test(name));
  for (const e of entriesOf(objects)) {
    if (e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name))
      bytes += fileSizes(join(objects, e.name), () => true);
  }
  return Promise.resolve(Math.ceil(bytes / 1024));
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function newestUnder(dir: string, depth: number): number {
  const self = statOrNull(dir);
  if (self === null) return 0;
  let newest = self.mtimeMs;
  if (depth === 0) return newest;
  for (const e of entriesOf(dir)) {
    if (e.isDirectory()) newest = Math.max(newest, newestUnder(join(dir, e.name), depth - 1));
  }
  return newest;
}

/**
 * When refs last changed: GitHub's `pushed_at` is the time of the last push, not of the newest commit (pushing
 * an old commit to a new branch is still a push). Every ref update renames a file inside a folder under
 * `refs/` (or rewrites `packed-refs`, or a table under `reftable/`), which bumps that folder's mtime, so
 * folder mtimes are enough; loose ref files need not be opened.
 */
export function readLastRefChange(gitDir: string): Promise<Date> {
  const refs = newestUnder(join(gitDir, 'refs'), 16);
  const packed = statOrNull(join(gitDir, 'packed-refs'));
  const reftable = statOrNull(join(gitDir, 'reftable'));
  return Promise.resolve(new Date(Math.max(refs, packed?.mtimeMs ?? 0, reftable?.mtimeMs ?? 0)));
}

/** When the bare folder was created (or, where the filesystem does not record that, last changed). */
export function readCreatedAt(gitDir: string): Promise<Date> {
  const s = statOrNull(gitDir);
  if (s === null) return Promise.resolve(new Date(0));
  return Promise.resolve(s.birthtimeMs > 0 ? s.birthtime : s.mtime);
}
