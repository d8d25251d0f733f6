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
