import { createHash } from 'node:crypto';

/** CodeCommit repository names: 1–100 of [A-Za-z0-9._-], not ending in `.git`. */
export const CODECOMMIT_NAME_MAX = 100;
const VALID = /^[A-Za-z0-9._-]{1,100}$/;

export function isValidCodeCommitName(name: string): boolean {
  return VALID.test(name) && !name.toLowerCase().endsWith('.git');
}

export interface NamingRules {
  /** Template with `{name}` and `{owner}`; default `{name}`. */
  readonly template?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  /** Explicit source name → CodeCommit name; used as given, and must itself be valid. */
  readonly renames?: Readonly<Record<string, string>>;
}

export interface MappedName {
  readonly source: string;
  readonly target: string;
  /** Why the name differs from what the template gave (sanitised, truncated); empty when it does not. */
  readonly notes: readonly string[];
  /** Set when an explicit rename is itself not a valid CodeCommit name. */
  readonly error?: string;
}

/**
 * Makes a name CodeCommit accepts: other characters become `-`, a `.git` ending becomes `-git`, and a name
 * over 100 characters is cut with a short hash of the original so that two long names stay distinct.
 */
export function sanitizeName(raw: string): { name: string; notes: string[] } {
  const notes: string[] = [];
  let name = raw.replace(/[^A-Za-z0-9._-]/g, '-');
  if (name !== raw) notes.push('characters CodeCommit does not allow were replaced with "-"');
  if (name.toLowerCase().endsWith('.git')) {
    name = `${name.slice(0, -4)}-git`;
    notes.push('a name ending in ".git" is not allowed; it now ends in "-git"');
  }
  if (name === '') name = 'repo';
  if (name.length > CODECOMMIT_NAME_MAX) {
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
    name = `${name.slice(0, CODECOMMIT_NAME_MAX - 9)}-${hash}`;
    notes.push(`longer than ${CODECOMMIT_NAME_MAX} characters; cut and given a hash suffix`);
  }
  return { name, notes };
}

/** What a wiki companion repo's name ends in. */
export const WIKI_SUFFIX = '.wiki';

/**
 * The CodeCommit name of `target`'s wiki companion: `<target>.wiki`, or, when that is over 100 characters,
 * `target` cut and given a hash of the whole of it before the suffix, so that the result is never `target`
 * itself (nor a cut of it) and two long targets keep distinct wikis.
 */
export function wikiTargetName(target: string): string {
  const name = `${target}${WIKI_SUFFIX}`;
  if (name.length <= CODECOMMIT_NAME_MAX) return name;
  const hash = createHash('sha256').update(target).digest('hex').slice(0, 8);
  return `${target.slice(0, CODECOMMIT_NAME_MAX - WIKI_SUFFIX.length - 9)}-${hash}${WIKI_SUFFIX}`;
}

/**
 * Why a repository name from GitHub's API cannot be one (GitHub allows 1–100 of A-Z a-z 0-9 . _ -, and
 * not "." or ".."), or undefined. These names become cache paths, so nothing else may pass.
 */
export function githubRepoNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) return 'must be 1–100 of A-Z a-z 0-9 . _ -';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return undefined;
}

/**
 * Why an account name (organization or user login) from GitHub's API cannot be one, or undefined: letters,
 * digits, `-` (and `_`, which Enterprise Managed Users' logins carry), not starting with `-` or `_`.
 */
export function githubOwnerNameProblem(owner: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(owner)
    ? undefined
    : 'must be letters, digits, "-" or "_", starting with a letter or digit';
}

/**
 * Why `owner/name` from GitHub cannot be a repository GitHub has, or undefined. A wiki (`<repo>.wiki`) is
 * judged by its repository's name, as GitHub keeps it (`<repo>.wiki.git`).
 */
export function sourceNameProblem(owner: string, name: string): string | undefined {
  const ownerProblem = githubOwnerNameProblem(owner);
  if (ownerProblem !== undefined) return `owner name ${JSON.stringify(owner)} ${ownerProblem}`;
  return githubRepoNameProblem(name.endsWith(WIKI_SUFFIX) ? name.slice(0, -WIKI_SUFFIX.length) : name);
}

export function mapName(owner: string, source: string, rules: NamingRules = {}): MappedName {
  const renamed = rules.renames?.[source];
  if (renamed !== undefined) {
    return isValidCodeCommitName(renamed)
      ? { source, target: renamed, notes: ['explicit rename from config'] }
      : {
          source,
          target: renamed,
          notes: [],
          error: `rename target "${renamed}" is not a valid CodeCommit name (1–100 of A-Z a-z 0-9 . _ -, not ending in .git)`,
        };
  }
  const templated = (rules.template ?? '{name}').replaceAll('{name}', source).replaceAll('{owner}', owner);
  const { name, notes } = sanitizeName(`${rules.prefix ?? ''}${templated}${rules.suffix ?? ''}`);
  return { source, target: name, notes };
}

export interface Collision {
  readonly target: string;
  readonly sources: readonly string[];
}

/** Two or more sources mapped to one CodeCommit name (names are case sensitive there). */
export function findCollisions(mapped: readonly MappedName[]): Collision[] {
  const byTarget = new Map<string, string[]>();
  for (const m of mapped) byTarget.set(m.target, [...(byTarget.get(m.target) ?? []), m.source]);
  return [...byTarget.entries()]
    .filter(([, sources]) => sources.length > 1)
    .map(([target, sources]) => ({ target, sources }));
}
