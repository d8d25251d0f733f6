import picomatch from 'picomatch';
import type { DivergencePolicy } from '../core/ref-plan.ts';
import type { Config } from './schema.ts';

/**
 * `mirror.onDivergence` for one repository: the first `mirror.onDivergenceFor` glob that matches its
 * `owner/name` (a glob without `/` is matched against the name alone) decides, else the global setting.
 */
export function divergencePolicyFor(
  mirror: Pick<Config['mirror'], 'onDivergence' | 'onDivergenceFor'>,
): (repo: string) => DivergencePolicy {
  const rules = Object.entries(mirror.onDivergenceFor).map(([glob, policy]) => {
    const match = picomatch(glob, { dot: true });
    return { policy, test: glob.includes('/') ? match : (repo: string) => match(repo.split('/')[1] ?? '') };
  });
  return (repo) => rules.find((r) => r.test(repo))?.policy ?? mirror.onDivergence;
}
