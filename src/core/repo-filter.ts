import picomatch from 'picomatch';

/** What inventory knows about a source repository; all the filters and the plan need. */
export interface SourceRepo {
  /** GitHub's numeric id: stays the same across renames and transfers. */
  readonly id?: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly description: string;
  readonly topics: readonly string[];
  readonly archived: boolean;
  readonly fork: boolean;
  readonly visibility: 'public' | 'private' | 'internal';
  readonly defaultBranch: string;
  readonly cloneUrl: string;
  readonly htmlUrl: string;
  /** GitHub's size in KB; 0 for an empty repository. */
  readonly sizeKb: number;
  readonly pushedAt: string | null;
  readonly hasWiki: boolean;
}

export interface RepoFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Keep only repos carrying at least one of these topics. */
  readonly topics?: readonly string[];
  readonly visibility?: readonly ('public' | 'private' | 'internal')[];
  readonly skipArchived?: boolean;
  readonly skipForks?: boolean;
  readonly skipEmpty?: boolean;
  /** ISO date: keep repos pushed at or after it. */
  readonly pushedSince?: string;
}

export interface FilterResult {
  readonly kept: SourceRepo[];
  readonly skipped: { readonly repo: SourceRepo; readonly reason: string }[];
}

type Matcher = (name: string) => boolean;

// Compiled once per filter (the config's): the webhook route filters every delivery, one repository at a time.
const compiled = new WeakMap<RepoFilter, { include?: Matcher; exclude?: Matcher }>();

function matchers(filter: RepoFilter): { include?: Matcher; exclude?: Matcher } {
  let m = compiled.get(filter);
  if (m === undefined) {
    m = {
      ...(filter.include !== undefined && filter.include.length > 0
        ? { include: picomatch([...filter.include]) }
        : {}),
      ...(filter.exclude !== undefined && filter.exclude.length > 0
        ? { exclude: picomatch([...filter.exclude]) }
        : {}),
    };
    compiled.set(filter, m);
  }
  return m;
}

/** Applies the user's filters; every skipped repo carries the reason, for the plan and the report. */
export function filterRepos(repos: readonly SourceRepo[], filter: RepoFilter): FilterResult {
  const { include, exclude } = matchers(filter);
  const since = filter.pushedSince === undefined ? undefined : Date.parse(filter.pushedSince);
  const kept: SourceRepo[] = [];
  const skipped: { repo: SourceRepo; reason: string }[] = [];
  for (const repo of repos) {
    const reason = skipReason(repo);
    if (reason === undefined) kept.push(repo);
    else skipped.push({ repo, reason });
  }
  return { kept, skipped };

  function skipReason(repo: SourceRepo): string | undefined {
    if (include !== undefined && !include(repo.name)) return 'not matched by --include';
    if (exclude?.(repo.name) === true) return 'matched by --exclude';
    if (
      filter.topics !== undefined &&
      filter.topics.length > 0 &&
      !repo.topics.some((t) => filter.topics?.includes(t))
    ) {
      return `has none of the topics ${filter.topics.join(', ')}`;
    }
    if (
      filter.visibility !== undefined &&
      filter.visibility.length > 0 &&
      !filter.visibility.includes(repo.visibility)
    ) {
      return `visibility is ${repo.visibility}`;
    }
    if (filter.skipArchived === true && repo.archived) return 'archived';
    if (filter.skipForks === true && repo.fork) return 'a fork';
    if (filter.skipEmpty === true && repo.sizeKb === 0 && repo.pushedAt === null) return 'empty';
    if (since !== undefined && (repo.pushedAt === null || Date.parse(repo.pushedAt) < since)) {
      return `not pushed since ${filter.pushedSince ?? ''}`;
    }
    return undefined;
  }
}
