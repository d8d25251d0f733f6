import { runGit } from '../../git/git-runner.ts';
import { readRefFiles, writeHead } from '../../git/ref-files.ts';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isValidRepositoryName } from './api/validation.ts';

export interface TriggerRecord {
  readonly name: string;
  readonly destinationArn: string;
  readonly customData?: string;
  readonly branches: readonly string[];
  readonly events: readonly string[];
}

/** Metadata of one repository as kept in `state.json`; the git data lives in `repos/<name>.git`. */
export interface RepositoryRecord {
  readonly repositoryName: string;
  readonly repositoryId: string;
  readonly description?: string;
  /** Epoch milliseconds. */
  readonly creationDate: number;
  /** Epoch milliseconds. */
  readonly lastModifiedDate: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly triggers: readonly TriggerRecord[];
  readonly triggersConfigurationId: string;
  readonly kmsKeyId: string;
  /** Set by UpdateDefaultBranch or fixed the first time a branch is seen; absent while the repo is empty. */
  readonly defaultBranch?: string;
}

export interface BranchRef {
  readonly name: string;
  readonly commitId: string;
}

/** Mutations available inside {@link CodeCommitStore.transact}; they apply to a draft that is saved only if the callback succeeds. */
export interface StoreTransaction {
  get(name: string): RepositoryRecord | undefined;
  list(): RepositoryRecord[];
  /** Creates the bare repository on disk and its metadata. */
  create(record: RepositoryRecord): Promise<void>;
  /** Removes the repository's directory and metadata; returns what was removed. */
  remove(name: string): Promise<RepositoryRecord | undefined>;
  /** Renames the directory and re-keys the metadata; the caller has checked both names. */
  rename(oldName: string, newName: string, lastModifiedDate: number): Promise<RepositoryRecord>;
  /** Replaces the metadata of an existing repository. */
  put(record: RepositoryRecord): void;
}

export interface CodeCommitStore {
  readonly reposDir: string;
  repoPath(name: string): string;
  get(name: string): Promise<RepositoryRecord | undefined>;
  list(): Promise<RepositoryRecord[]>;
  /** Runs `fn` with every other mutation held off, so check-then-act sequences cannot interleave. */
  transact<T>(fn: (tx: StoreTransaction) => T | Promise<T>): Promise<T>;
  listBranches(name: string): Promise<BranchRef[]>;
  /** Commit id of `refs/heads/<branch>`, or undefined when there is no such branch. */
  branchCommit(name: string, branch: string): Promise<string | undefined>;
  /**
   * The default branch as CodeCommit reports it: none while the repo has no branches; otherwise the stored
   * one if it still exists, else the first branch pushed, which is then remembered (and made the bare
   * repo's HEAD so clones check it out).
   */
  defaultBranch(name: string): Promise<string | undefined>;
  /** Points the bare repository's HEAD at a branch, as CodeCommit does for the default branch. */
  setHead(name: string, branch: string): Promise<void>;
}

export interface CodeCommitStoreOptions {
  readonly dir: string;
  readonly log: Logger;
  /** kmsKeyId recorded for repositories adopted from disk without metadata. */
  readonly defaultKmsKeyId: string;
}

interface StateFile {
  readonly version: 1;
  readonly repositories: Record<string, RepositoryRecord>;
}

async function git(gitDir: string, args: readonly string[]): Promise<string> {
  // The shared isolated environment: a developer's own git settings cannot change what the sandbox stores.
  // cwd is the repo itself, so a caller's vanished working directory cannot break git.
  const { stdout } = await runGit(gitDir, ['--git-dir', gitDir, ...args]);
  return stdout;
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}

/**
 * Settings every sandbox repository gets. Written straight into the new repo's config file (valid git
 * config syntax; a second `[core]` section is allowed) to avoid one `git config` process per key.
 * - deletes and force pushes are allowed, as on CodeCommit;
 * - reflogs are kept so the first branch ever pushed can be told apart from later ones;
 * - an unborn HEAD is not advertised: an empty CodeCommit repo has no default branch, so a clone of it
 *   should fall back to the client's own default rather than whatever `git init` picked.
 */
const REPO_CONFIG = [
  '[receive]',
  '\tdenyDeletes = false',
  '\tdenyNonFastForwards = false',
  '[http]',
  '\treceivepack = true',
  '[core]',
  '\tlogAllRefUpdates = true',
  '[lsrefs]',
  '\tunborn = ignore',
  '',
].join('\n');

function isNotFound(err: unknown): boolean {
  return errorCode(err) === 'ENOENT';
}

function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn);
    tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
}

function isRecordShape(value: unknown): value is RepositoryRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.repositoryName === 'string' &&
    typeof v.repositoryId === 'string' &&
    typeof v.creationDate === 'number' &&
    typeof v.lastModifiedDate === 'number' &&
    typeof v.tags === 'object' &&
    Array.isArray(v.triggers) &&
    typeof v.triggersConfigurationId === 'string' &&
    typeof v.kmsKeyId === 'string'
  );
}

function parseState(text: string, file: string): Map<string, RepositoryRecord> {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== 'object' || data === null || (data as { version?: unknown }).version !== 1) {
    throw new Error(`${file}: not a version 1 sandbox state file`);
  }
  const repos = (data as { repositories?: unknown }).repositories;
  if (typeof repos !== 'object' || repos === null) throw new Error(`${file}: "repositories" is missing`);
  const map = new Map<string, RepositoryRecord>();
  for (const [name, record] of Object.entries(repos)) {
    if (!isRecordShape(record) || record.repositoryName !== name) {
      throw new Error(`${file}: repository entry "${name}" is malformed`);
    }
    map.set(name, record);
  }
  return map;
}

/** Seconds of the first reflog entry of a branch (when it was created), if git kept a reflog. */
async function branchCreatedAt(gitDir: string, branch: string): Promise<number | undefined> {
  try {
    const text = await readFile(join(gitDir, 'logs', 'refs', 'heads', branch), 'utf8');
    const end = text.indexOf('\n');
    const firstLine = end < 0 ? text : text.slice(0, end);
    const m = /> (\d+) [+-]\d{4}\t?/.exec(firstLine);
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

async function headTarget(gitDir: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(gitDir, 'HEAD'), 'utf8');
    const m = /^ref: refs\/heads\/(.+)\s*$/.exec(text);
    return m?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Which of the existing branches was pushed first: the earliest reflog creation time; ties (one push
 * creating several branches) and missing reflogs go to the branch HEAD already names, then to the
 * lowest name, which is also the order git sends ref updates in.
 */
async function firstPushedBranch(gitDir: string, branches: readonly string[]): Promise<string | undefined> {
  const head = await headTarget(gitDir);
  const created = await Promise.all(
    branches.map(async (b) => [b, await branchCreatedAt(gitDir, b)] as const),
  );
  const rank = (t: number | undefined): number => t ?? Number.POSITIVE_INFINITY;
  created.sort(([a, ta], [b, tb]) => {
    if (rank(ta) !== rank(tb)) return rank(ta) - rank(tb);
    if (a === head) return -1;
    if (b === head) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return created[0]?.[0];
}

/**
 * Opens (lazily, on first use) the CodeCommit sandbox state under `dir`: `state.json` for metadata and
 * `repos/<name>.git` for the bare repositories, which is the only thing the git HTTP side looks at.
 */
export function openCodeCommitStore(options: CodeCommitStoreOptions): CodeCommitStore {
  const reposDir = join(options.dir, 'repos');
  const stateFile = join(options.dir, 'state.json');
  const exclusive = createMutex();
  let repos = new Map<string, RepositoryRecord>();
  let loaded: Promise<void> | undefined;

  const repoPath = (name: string): string => join(reposDir, `${name}.git`);

  async function persist(next: ReadonlyMap<string, RepositoryRecord>): Promise<void> {
    const state: StateFile = { version: 1, repositories: Object.fromEntries(next) };
    // Write to a temporary file and rename over the old one, so a crash leaves either state, never half.
    const tmp = `${stateFile}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, stateFile);
  }

  async function load(): Promise<void> {
    await mkdir(reposDir, { recursive: true });
    let map = new Map<string, RepositoryRecord>();
    try {
      map = parseState(await readFile(stateFile, 'utf8'), stateFile);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let changed = false;
    const onDisk = new Set<string>();
    for (const entry of await readdir(reposDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.startsWith('.trash-') || entry.name.startsWith('.tmp-')) {
        // Left behind by a delete or create interrupted before it finished.
        await rm(join(reposDir, entry.name), { recursive: true, force: true });
        continue;
      }
      if (!entry.name.endsWith('.git')) continue;
      const name = entry.name.slice(0, -'.git'.length);
      if (!isValidRepositoryName(name)) {
        options.log.warn(
          { dir: entry.name },
          'ignored bare repository whose name CodeCommit would not accept',
        );
        continue;
      }
      onDisk.add(name);
      if (!map.has(name)) {
        // A bare repo put there by hand (or by a test harness): adopt it rather than hide it.
        const created = (await stat(join(reposDir, entry.name))).mtimeMs;
        map.set(name, {
          repositoryName: name,
          repositoryId: randomUUID(),
          creationDate: created,
          lastModifiedDate: created,
          tags: {},
          triggers: [],
          triggersConfigurationId: randomUUID(),
          kmsKeyId: options.defaultKmsKeyId,
        });
        options.log.info({ repo: name }, 'adopted bare repository without metadata');
        changed = true;
      }
    }
    for (const name of [...map.keys()]) {
      if (!onDisk.has(name)) {
        options.log.warn({ repo: name }, 'dropped metadata of repository whose directory is gone');
        map.delete(name);
        changed = true;
      }
    }
    if (changed) await persist(map);
    repos = map;
  }

  async function ready(): Promise<void> {
    loaded ??= load();
    try {
      await loaded;
    } catch (err) {
      // Let a later request retry (e.g. after someone fixed a corrupt state file).
      loaded = undefined;
      throw err;
    }
  }

  async function initBare(name: string): Promise<void> {
    // Built under a temporary name and renamed into place: the git side treats any `<name>.git`
    // directory as a live repository, so it must never see a half-initialised one.
    const tmp = join(reposDir, `.tmp-${randomUUID()}`);
    try {
      await runGit(reposDir, ['init', '--bare', '--quiet', tmp]);
      await appendFile(join(tmp, 'config'), REPO_CONFIG, 'utf8');
      await rename(tmp, repoPath(name));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  function transact<T>(fn: (tx: StoreTransaction) => T | Promise<T>): Promise<T> {
    return exclusive(async () => {
      await ready();
      const draft = new Map(repos);
      let dirty = false;
      const afterCommit: Array<() => Promise<void>> = [];
      const undo: Array<() => Promise<void>> = [];
      const tx: StoreTransaction = {
        get: (name) => draft.get(name),
        list: () => [...draft.values()],
        async create(record) {
          await initBare(record.repositoryName);
          undo.push(() => rm(repoPath(record.repositoryName), { recursive: true, force: true }));
          draft.set(record.repositoryName, record);
          dirty = true;
        },
        async remove(name) {
          const record = draft.get(name);
          if (record === undefined) return undefined;
          // Moving the directory aside is atomic, so the git side stops serving the repo at once;
          // the slow recursive delete happens after the state is saved.
          const trash = join(reposDir, `.trash-${randomUUID()}`);
          await rename(repoPath(name), trash);
          undo.push(() => rename(trash, repoPath(name)));
          afterCommit.push(() => rm(trash, { recursive: true, force: true }));
          draft.delete(name);
          dirty = true;
          return record;
        },
        async rename(oldName, newName, lastModifiedDate) {
          const record = draft.get(oldName);
          if (record === undefined) throw new Error(`no repository ${oldName}`);
          await rename(repoPath(oldName), repoPath(newName));
          undo.push(() => rename(repoPath(newName), repoPath(oldName)));
          const next: RepositoryRecord = { ...record, repositoryName: newName, lastModifiedDate };
          draft.delete(oldName);
          draft.set(newName, next);
          dirty = true;
          return next;
        },
        put(record) {
          if (!draft.has(record.repositoryName)) throw new Error(`no repository ${record.repositoryName}`);
          draft.set(record.repositoryName, record);
          dirty = true;
        },
      };
      let result: T;
      try {
        result = await fn(tx);
        if (dirty) await persist(draft);
      } catch (err) {
        for (const step of undo.reverse()) {
          await step().catch((undoErr: unknown) =>
            options.log.error({ err: undoErr }, 'could not undo a failed repository change'),
          );
        }
        throw err;
      }
      repos = draft;
      for (const step of afterCommit) {
        await step().catch((cleanupErr: unknown) =>
          options.log.warn({ err: cleanupErr }, 'could not remove a deleted repository directory'),
        );
      }
      return result;
    });
  }

  async function listBranches(name: string): Promise<BranchRef[]> {
    const out = await git(repoPath(name), [
      'for-each-ref',
      '--format=%(refname)%09%(objectname)',
      'refs/heads/',
    ]);
    const branches: BranchRef[] = [];
    for (const line of out.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      branches.push({ name: line.slice('refs/heads/'.length, tab), commitId: line.slice(tab + 1) });
    }
    return branches;
  }

  async function branchCommit(name: string, branch: string): Promise<string | undefined> {
    const dir = repoPath(name);
    // Read from the ref files: a metadata call like CodeCommit's should not cost a git process per request.
    const refs = await readRefFiles(dir, [`refs/heads/${branch}`]);
    if (refs !== undefined) return refs.get(`refs/heads/${branch}`);
    const r = await runGit(
      dir,
      ['--git-dir', dir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`],
      {
        check: false,
      },
    );
    if (r.code === 1) return undefined;
    if (r.code !== 0) throw new Error(`git rev-parse failed: ${r.stderr.trim()}`);
    return r.stdout.trim() || undefined;
  }

  async function setHead(name: string, branch: string): Promise<void> {
    await writeHead(repoPath(name), `refs/heads/${branch}`);
  }

  async function defaultBranch(name: string): Promise<string | undefined> {
    await ready();
    const record = repos.get(name);
    if (record === undefined) return undefined;
    const branches = (await listBranches(name)).map((b) => b.name);
    if (record.defaultBranch !== undefined && branches.includes(record.defaultBranch))
      return record.defaultBranch;
    if (branches.length === 0) return undefined;
    const chosen = await firstPushedBranch(repoPath(name), branches);
    if (chosen === undefined) return undefined;
    return transact(async (tx) => {
      const current = tx.get(name);
      // Another request may have renamed, replaced or already settled this repo meanwhile.
      if (current === undefined || current.repositoryId !== record.repositoryId) return undefined;
      if (current.defaultBranch !== record.defaultBranch) return current.defaultBranch;
      tx.put({ ...current, defaultBranch: chosen });
      await setHead(name, chosen);
      return chosen;
    });
  }

  return {
    reposDir,
    repoPath,
    async get(name) {
      await ready();
      return repos.get(name);
    },
    async list() {
      await ready();
      return [...repos.values()];
    },
    transact,
    listBranches,
    branchCommit,
    defaultBranch,
    setHead,
  };
}
