import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { settled } from '../util/settled.ts';

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The refs under `prefixes` (folders, or single refs) of a bare repository with git's "files" ref storage,
 * read straight from disk: the loose ref files under `refs/`, over `packed-refs` (a loose ref wins, as in git),
 * sorted by name as `git for-each-ref` sorts them. Symbolic refs resolve to their target's value; a ref that
 * names no object id (a broken ref, or a `*.lock` file of a write in progress) is left out, as for-each-ref
 * leaves it out.
 *
 * Why not `git for-each-ref`: the mirror lists its cache entry after every fetch, and on a small repository
 * the git process costs more than the fetch's own work. The files are small and local, so they are read with
 * the synchronous calls: microseconds each, where the promise API's thread-pool round trips (open, stat, read,
 * close per file) cost more than the reading. Only this layout is read: a repository that stores
 * its refs another way (`extensions.refStorage`, git's reftable) answers undefined, and the caller asks git.
 */
export function readRefFiles(
  gitDir: string,
  prefixes: readonly string[],
): Promise<Map<string, string> | undefined> {
  return settled(() => refsFromFiles(gitDir, prefixes));
}

function refsFromFiles(gitDir: string, prefixes: readonly string[]): Map<string, string> | undefined {
  if (usesOtherRefStorage(gitDir)) return undefined;
  const values = new Map<string, string>();
  const symbolic = new Map<string, string>();
  const wanted = (ref: string): boolean => prefixes.some((p) => ref.startsWith(p));
  for (const line of readOptional(join(gitDir, 'packed-refs')).split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const sha = line.slice(0, space);
    const ref = line.slice(space + 1);
    if (SHA.test(sha) && wanted(ref)) values.set(ref, sha);
  }
  for (const prefix of prefixes) {
    // A prefix is a folder (`refs/heads/`, or `refs/heads` without its slash) or one ref (`refs/heads/main`).
    for (const ref of looseRefs(gitDir, prefix.replace(/\/+$/, ''))) {
      const text = readOptional(join(gitDir, ref)).trim();
      if (SHA.test(text)) values.set(ref, text);
      else if (text.startsWith('ref: ')) symbolic.set(ref, text.slice(5).trim());
      else values.delete(ref);
    }
  }
  for (const [ref, target] of symbolic) {
    const sha = values.get(target) ?? readOptional(join(gitDir, target)).trim();
    if (SHA.test(sha)) values.set(ref, sha);
    else values.delete(ref);
  }
  return new Map([...values].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/**
 * Sets and deletes refs (ref → object id, or undefined to delete) as git's "files" storage does: each value
 * written to `<ref>.lock`, created exclusively (a lock git or another writer holds makes this give up), then
 * renamed over the ref; a delete removes the loose file. Answers false when git must do it instead — a
 * repository that stores its refs another way, a ref to delete that is also in `packed-refs`, a name whose
 * folders clash with another ref's, a lock in the way — and the caller applies every update with git
 * (`update-ref --stdin`; each update is absolute, so what was already applied is applied again harmlessly).
 * Why: the mirror records what it verified after every push, and one git process cost more than the write.
 */
export function writeRefFiles(
  gitDir: string,
  updates: ReadonlyMap<string, string | undefined>,
): Promise<boolean> {
  return settled(() => refsToFiles(gitDir, updates));
}

function refsToFiles(gitDir: string, updates: ReadonlyMap<string, string | undefined>): boolean {
  if (usesOtherRefStorage(gitDir)) return false;
  const deletes = [...updates].filter(([, sha]) => sha === undefined).map(([ref]) => ref);
  if (deletes.length > 0) {
    const packed = readOptional(join(gitDir, 'packed-refs'));
    if (deletes.some((ref) => packed.includes(` ${ref}\n`))) return false;
  }
  for (const [ref, sha] of updates) {
    if (
      !/^refs\/[^\0]+$/.test(ref) ||
      ref.split('/').some((part) => part === '' || part === '.' || part === '..')
    )
      return false;
    if (sha !== undefined && !SHA.test(sha)) return false;
  }
  try {
    for (const ref of deletes) rmSync(join(gitDir, ref), { force: true });
    for (const [ref, sha] of updates) {
      if (sha === undefined) continue;
      const file = join(gitDir, ref);
      mkdirSync(dirname(file), { recursive: true });
      const lock = `${file}.lock`;
      writeFileSync(lock, `${sha}\n`, { flag: 'wx' });
      try {
        renameSync(lock, file);
      } catch (err) {
        rmSync(lock, { force: true });
        throw err;
      }
    }
    return true;
  } catch {
    return false;
  }
}

function usesOtherRefStorage(gitDir: string): boolean {
  const config = readOptional(join(gitDir, 'config'));
  return /^\s*refstorage\s*=/im.test(config) || existsSync(join(gitDir, 'reftable'));
}

/** Every file at or below `gitDir/path`, as a ref name; lock files of writes in progress are not refs. */
function looseRefs(gitDir: string, path: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(gitDir, path), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return path.endsWith('.lock') ? [] : [path];
    if (code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const ref = `${path}/${e.name}`;
    if (e.isDirectory()) out.push(...looseRefs(gitDir, ref));
    else if (e.isFile() && !e.name.endsWith('.lock')) out.push(ref);
  }
  return out;
}

/** A file's text, or '' when it does not exist; any other failure (EACCES, EMFILE, EIO) is thrown, not hidden. */
function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return '';
    throw err;
  }
}

/** Points `gitDir`'s HEAD at `ref`, as `git symbolic-ref HEAD <ref>` writes it, replaced in one rename. */
export async function writeHead(gitDir: string, ref: string): Promise<void> {
  const head = join(gitDir, 'HEAD');
  const tmp = `${head}.${randomUUID()}.tmp`;
  await writeFile(tmp, `ref: ${ref}\n`);
  await rename(tmp, head);
}

/**
 * Creates an empty bare repository at `dir` with these config lines: only what git needs to recognise one
 * (HEAD, config, objects/, refs/; git makes the folders below them as it writes), without the sample hooks, and
 * without a git process. Written in a folder beside it (`<dir>.init`) and renamed into place, so a crash leaves
 * no half-made repository at `dir`. The caller holds the entry's lock: no other attempt runs at the same time,
 * so what is at `<dir>.init` is a crashed attempt's, and is removed. (Such a folder never ends in `.git`, which
 * every repository folder here does.) Every folder made costs a journal write: a new cache entry makes three.
 */
export function createBareRepo(dir: string, config: string): Promise<void> {
  return settled(() => {
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = `${dir}.init`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      mkdirSync(tmp);
      mkdirSync(join(tmp, 'objects'));
      mkdirSync(join(tmp, 'refs'));
      writeFileSync(
        join(tmp, 'config'),
        `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n${config}`,
      );
      writeFileSync(join(tmp, 'HEAD'), 'ref: refs/heads/main\n');
      try {
        renameSync(tmp, dir);
      } catch (err) {
        // A folder without HEAD (what an interrupted older init left) is no repository: replaced.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        rmSync(dir, { recursive: true, force: true });
        renameSync(tmp, dir);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
