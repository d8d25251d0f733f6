import { repoDescription, repoTags, TOPIC_TAG_PREFIX } from './repo-tags.ts';
import type { SourceRepo } from './repo-filter.ts';
import { mirroredRefs, type RefMap } from './ref-plan.ts';

/**
 * How one ref differs between GitHub and CodeCommit, judged with the mirror's record of what it last pushed:
 * - `moved`: CodeCommit's value is not what gh2cc put there (someone pushed to CodeCommit);
 * - `only-in-codecommit`: created in CodeCommit outside gh2cc;
 * - `missing-in-codecommit`: gh2cc had pushed it and it is gone from CodeCommit;
 * - `differs`: the two differ and no record says who moved (a host without the daemon's Redis or a cache
 *   entry): counted as drift, since the two sides do not match;
 * - `behind`: GitHub moved on and the next sync will follow (not drift).
 */
export type RefDriftKind = 'moved' | 'only-in-codecommit' | 'missing-in-codecommit' | 'differs' | 'behind';

export interface RefDrift {
  readonly ref: string;
  readonly kind: RefDriftKind;
  readonly github: string | null;
  readonly codecommit: string | null;
}

export interface SettingDrift {
  readonly setting: 'default-branch' | 'description' | 'tag';
  /** The tag key, for `tag`. */
  readonly key?: string;
  /** What gh2cc would set from GitHub (null: should not be there). */
  readonly expected: string | null;
  readonly codecommit: string | null;
}

export function isDrift(kind: RefDriftKind): boolean {
  return kind !== 'behind';
}

/** Every mirrored ref that differs, classified (see RefDriftKind); `record` undefined when none is known. */
export function classifyRefDrift(github: RefMap, codecommit: RefMap, record: RefMap | undefined): RefDrift[] {
  const src = mirroredRefs(github);
  const dst = mirroredRefs(codecommit);
  const out: RefDrift[] = [];
  const refs = [...new Set([...src.keys(), ...dst.keys()])].sort();
  for (const ref of refs) {
    const g = src.get(ref) ?? null;
    const c = dst.get(ref) ?? null;
    if (g === c) continue;
    const mine = record?.get(ref);
    let kind: RefDriftKind;
    if (record === undefined) kind = 'differs';
    else if (c === null) kind = mine === undefined ? 'behind' : 'missing-in-codecommit';
    else if (mine === c) kind = 'behind';
    else kind = g === null ? 'only-in-codecommit' : 'moved';
    out.push({ ref, kind, github: g, codecommit: c });
  }
  return out;
}

/**
 * CodeCommit settings gh2cc keeps in line with GitHub that no longer are: the default branch (when CodeCommit
 * has branches), the description, and gh2cc's own tags (`gh2cc:*` provenance and `github-topic:*`).
 */
export function settingsDrift(
  source: SourceRepo,
  codecommit: {
    readonly defaultBranch: string | undefined;
    readonly description: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly hasBranches: boolean;
  },
): SettingDrift[] {
  const out: SettingDrift[] = [];
  if (codecommit.hasBranches && codecommit.defaultBranch !== source.defaultBranch) {
    out.push({
      setting: 'default-branch',
      expected: source.defaultBranch,
      codecommit: codecommit.defaultBranch ?? null,
    });
  }
  const { description } = repoDescription(source);
  if (codecommit.description !== description)
    out.push({ setting: 'description', expected: description, codecommit: codecommit.description });
  const { tags } = repoTags(source);
  for (const [key, value] of Object.entries(tags)) {
    if (codecommit.tags[key] !== value)
      out.push({ setting: 'tag', key, expected: value, codecommit: codecommit.tags[key] ?? null });
  }
  for (const [key, value] of Object.entries(codecommit.tags)) {
    if (key.startsWith(TOPIC_TAG_PREFIX) && !(key in tags))
      out.push({ setting: 'tag', key, expected: null, codecommit: value });
  }
  return out;
}
