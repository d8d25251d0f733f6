import type { RepoFilter } from '../core/repo-filter.ts';
import type { Config } from './schema.ts';

/** The repository filters a run applies, from the `migrate` section (flags already merged in). */
export function filterFromConfig(config: Config): RepoFilter {
  const m = config.migrate;
  return {
    include: m.include,
    exclude: m.exclude,
    topics: m.topics,
    visibility: m.visibility,
    skipArchived: m.skipArchived,
    skipForks: m.skipForks,
    skipEmpty: m.skipEmpty,
    ...(m.pushedSince === undefined ? {} : { pushedSince: m.pushedSince }),
  };
}
