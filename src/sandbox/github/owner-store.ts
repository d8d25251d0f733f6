import { randomBytes } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../util/errors.ts';
import {
  githubLoginSchema,
  parseOwnerMetadata,
  repoMetadataSchema,
  repoNameSchema,
  validateOwnerMetadata,
  type OwnerMetadata,
  type OwnerMetadataInput,
  type RepoMetadata,
} from './owner-metadata.ts';

/** A repository as the sandbox serves it: a bare `<name>.git` folder plus its (possibly default) metadata. */
export interface RepoOnDisk {
  readonly name: string;
  readonly gitDir: string;
  /** `<name>.wiki.git` next to it, when there is one. */
  readonly wikiGitDir: string | null;
  readonly metadata: RepoMetadata;
}

export interface OwnerState {
  /** The login as spelt on disk (folder name, else YAML file name). */
  readonly login: string;
  readonly metadata: OwnerMetadata;
  /** `${dir}/<owner>.yaml` when it exists. */
  readonly metadataFile: string | null;
  /** When the YAML last changed; GitHub bumps `updated_at` on metadata edits. */
  readonly metadataChangedAt: Date | null;
  /** `${dir}/<owner>` when it exists. */
  readonly ownerDir: string | null;
  /** When the owner first appeared on disk, for `created_at` when the YAML does not say. */
  readonly firstSeenAt: Date;
  /** Only repositories with a bare folder exist; sorted by name. */
  readonly repos: readonly RepoOnDisk[];
}

/** Parsed YAML keyed by path; an entry is reused only while the file text is byte-for-byte the same. */
export type OwnerMetadataCache = Map<string, { readonly text: string; readonly metadata: OwnerMetadata }>;

const YAML_SUFFIX = '.yaml';
const DEFAULT_REPO_METADATA: RepoMetadata = repoMetadataSchema.parse({});

function isLogin(name: string): boolean {
  return githubLoginSchema.safeParse(name).success;
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readDirOrEmpty(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** Symlinked folders count too, so a state folder can link to repositories kept elsewhere. */
async function isDirectoryEntry(parent: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await statOrNull(join(parent, entry.name)))?.isDirectory() ?? false;
}

/** Creation time where the filesystem records one, else the last modification. */
function bornAt(stats: Stats): Date {
  return stats.birthtimeMs > 0 ? stats.birthtime : stats.mtime;
}

/** Every owner under `dir`: folders and `<owner>.yaml` files named like GitHub logins, sorted, case-folded. */
export async function listOwners(dir: string): Promise<string[]> {
  const entries = await readDirOrEmpty(dir);
  const byKey = new Map<string, string>();
  for (const entry of entries) {
    let login: string | null = null;
    if (entry.name.endsWith(YAML_SUFFIX) && (entry.isFile() || entry.isSymbolicLink())) {
      login = entry.name.slice(0, -YAML_SUFFIX.length);
    } else if (await isDirectoryEntry(dir, entry)) {
      login = entry.name;
    }
    if (login === null || !isLogin(login)) continue;
    const key = login.toLowerCase();
    // A folder's spelling wins over the YAML's: the folder is what git URLs use.
    if (!byKey.has(key) || !entry.name.endsWith(YAML_SUFFIX)) byKey.set(key, login);
  }
  return [...byKey.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

async function readMetadata(file: string, cache: OwnerMetadataCache | undefined): Promise<OwnerMetadata> {
  const text = await readFile(file, 'utf8');
  const cached = cache?.get(file);
  if (cached !== undefined && cached.text === text) return cached.metadata;
  const metadata = parseOwnerMetadata(text, file);
  cache?.set(file, { text, metadata });
  return metadata;
}

function metadataFor(metadata: OwnerMetadata, name: string): RepoMetadata {
  const exact = metadata.repos[name];
  if (exact !== undefined) return exact;
  // GitHub names are case-insensitive; the YAML may spell a repository differently from its folder.
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(metadata.repos)) {
    if (key.toLowerCase() === lower) return value;
  }
  return DEFAULT_REPO_METADATA;
}

async function reposIn(ownerDir: string, metadata: OwnerMetadata): Promise<RepoOnDisk[]> {
  const entries = await readDirOrEmpty(ownerDir);
  const bare = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.name.endsWith('.git') || !(await isDirectoryEntry(ownerDir, entry))) continue;
    bare.set(entry.name.slice(0, -'.git'.length), join(ownerDir, entry.name));
  }
  const repos: RepoOnDisk[] = [];
  for (const [name, gitDir] of bare) {
    // `<repo>.wiki.git` is GitHub's layout for a wiki: part of `<repo>`, never a repository of its own.
    if (name.endsWith('.wiki') || !repoNameSchema.safeParse(name).success) continue;
    repos.push({
      name,
      gitDir,
      wikiGitDir: bare.get(`${name}.wiki`) ?? null,
      metadata: metadataFor(metadata, name),
    });
  }
  return repos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads one owner fresh from disk (the YAML parse is reused while the file text is unchanged). Returns null
 * when there is neither a `${dir}/<owner>` folder nor a `${dir}/<owner>.yaml`. The login matches
 * case-insensitively, as on GitHub. Throws a ConfigError naming the file and key when the YAML is invalid.
 */
export async function loadOwner(
  dir: string,
  owner: string,
  cache?: OwnerMetadataCache,
): Promise<OwnerState | null> {
  if (!isLogin(owner)) return null;
  const key = owner.toLowerCase();
  let folderName: string | null = null;
  let yamlName: string | null = null;
  for (const entry of await readDirOrEmpty(dir)) {
    if (entry.name.toLowerCase() === `${key}${YAML_SUFFIX}` && !entry.isDirectory()) yamlName = entry.name;
    else if (entry.name.toLowerCase() === key && (await isDirectoryEntry(dir, entry)))
      folderName = entry.name;
  }
  if (folderName === null && yamlName === null) return null;
  const metadataFile = yamlName === null ? null : join(dir, yamlName);
  const ownerDir = folderName === null ? null : join(dir, folderName);
  const metadata =
    metadataFile === null ? validateOwnerMetadata({}, 'defaults') : await readMetadata(metadataFile, cache);
  const [yamlStats, dirStats, repos] = await Promise.all([
    metadataFile === null ? null : statOrNull(metadataFile),
    ownerDir === null ? null : statOrNull(ownerDir),
    ownerDir === null ? [] : reposIn(ownerDir, metadata),
  ]);
  const seen = [dirStats, yamlStats].filter((s): s is Stats => s !== null).map(bornAt);
  return {
    login: folderName ?? yamlName?.slice(0, -YAML_SUFFIX.length) ?? owner,
    metadata,
    metadataFile,
    metadataChangedAt: yamlStats?.mtime ?? null,
    ownerDir,
    firstSeenAt: seen.reduce((a, b) => (a < b ? a : b), seen[0] ?? new Date(0)),
    repos,
  };
}

/**
 * Validates `data` and writes it as `${dir}/<owner>.yaml` (atomically: readers never see half a file).
 * Keys left out stay out of the file, so it documents only what differs from the defaults. Returns the path.
 */
export async function writeOwnerFile(dir: string, owner: string, data: OwnerMetadataInput): Promise<string> {
  const file = join(dir, `${owner}${YAML_SUFFIX}`);
  if (!isLogin(owner))
    throw new ConfigError([{ path: '(owner)', message: `"${owner}" is not a GitHub login` }], file);
  validateOwnerMetadata(data, file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, stringify(data));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}
