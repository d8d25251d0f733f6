import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The refs under `prefixes` (folders, or single refs) of a bare repository with git's "files" ref storage,
 * read straight from disk: the loose ref files under `refs/`, over `packed-refs` (a loose ref wins, as in git),
 * sorted by name as `git for-each-ref` sorts them. Symbolic refs resolve to their target's value; a ref that
 * names no object id (a broken ref, or a `*.lock` file of a write in progress) is left out, as for-each-ref
 * leaves it out.
 *
 * Why not `git for-each-ref`: the mirror lists its cache entry after every fetch, and on a small repository
 * the git process costs more than the fetch's own work. Only this layout is read: a repository that stores
 * its refs another way (`extensions.refStorage`, git's reftable) answers undefined, and the caller asks git.
 */
export async function readRefFiles(
  gitDir: string,
  prefixes: readonly string[],
): Promise<Map<string, string> | undefined> {
  if (await usesOtherRefStorage(gitDir)) return undefined;
  const values = new Map<string, string>();
  const symbolic = new Map<string, string>();
  const wanted = (ref: string): boolean => prefixes.some((p) => ref.startsWith(p));
  for (const line of (await readOptional(join(gitDir, 'packed-refs'))).split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const sha = line.slice(0, space);
    const ref = line.slice(space + 1);
    if (SHA.test(sha) && wanted(ref)) values.set(ref, sha);
  }
  for (const prefix of prefixes) {
    // A prefix is a folder (`refs/heads/`, or `refs/heads` without its slash) or one ref (`refs/heads/main`).
    for (const ref of await looseRefs(gitDir, prefix.replace(/\/+$/, ''))) {
      const text = (await readOptional(join(gitDir, ref))).trim();
      if (SHA.test(text)) values.set(ref, text);
      else if (text.startsWith('ref: ')) symbolic.set(ref, text.slice(5).trim());
      else values.delete(ref);
    }
  }
  for (const [ref, target] of symbolic) {
    const sha = values.get(target) ?? (await readOptional(join(gitDir, target))).trim();
    if (SHA.test(sha)) values.set(ref, sha);
    else values.delete(ref);
  }
  return new Map([...values].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

async function usesOtherRefStorage(gitDir: string): Promise<boolean> {
  const config = await readOptional(join(gitDir, 'config'));
  return /^\s*refstorage\s*=/im.test(config) || (await exists(join(gitDir, 'reftable')));
}

/** Every file at or below `gitDir/path`, as a ref name; lock files of writes in progress are not refs. */
async function looseRefs(gitDir: string, path: string): Promise<string[]> {
  const entries = await readdir(join(gitDir, path), { withFileTypes: true }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTDIR') return 'file' as const;
      if (err.code === 'ENOENT') return [];
      throw err;
    },
  );
  if (entries === 'file') return path.endsWith('.lock') ? [] : [path];
  const out: string[] = [];
  for (const e of entries) {
    const ref = `${path}/${e.name}`;
    if (e.isDirectory()) out.push(...(await looseRefs(gitDir, ref)));
    else if (e.isFile() && !e.name.endsWith('.lock')) out.push(ref);
  }
  return out;
}

/** A file's text, or '' when it does not exist; any other failure (EACCES, EMFILE, EIO) is thrown, not hidden. */
async function readOptional(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EISDIR') return '';
    throw err;
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Points `gitDir`'s HEAD at `ref`, as `git symbolic-ref HEAD <ref>` writes it, replaced in one rename. */
export async function writeHead(gitDir: string, ref: string): Promise<void> {
  const head = join(gitDir, 'HEAD');
  const tmp = `${head}.${randomUUID()}.tmp`;
  await writeFile(tmp, `ref: ${ref}\n`);
  await rename(tmp, head);
}

/**
 * Creates an empty bare repository at `dir` with these config lines: the files `git init --bare` writes that
 * git needs (HEAD, config, objects/, refs/), without the sample hooks, and without a git process. Written in a
 * folder beside it and renamed into place, so a crash leaves no half-made repository at `dir`.
 */
export async function createBareRepo(dir: string, config: string): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  // What a crash in an earlier attempt left beside it (the entry is locked: no other attempt is running). Such a
  // folder never ends in `.git`, which every repository folder here does (`foo.git.init-1.git` is another's).
  const prefix = `${basename(dir)}.init-`;
  for (const name of await readdir(parent)) {
    if (name.startsWith(prefix) && !name.endsWith('.git'))
      await rm(join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${dir}.init-${process.pid}-${Date.now()}`;
  try {
    for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info'])
      await mkdir(join(tmp, sub), { recursive: true });
    await writeFile(
      join(tmp, 'config'),
      `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n${config}`,
    );
    await writeFile(join(tmp, 'HEAD'), 'ref: refs/heads/main\n');
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // A folder without HEAD (what an interrupted older init left) is no repository: replaced.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
