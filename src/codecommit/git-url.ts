import type { Config } from '../config/schema.ts';

/** Default git endpoint for a region: the standard, or `.cn` in China regions. */
export function codecommitGitUrl(config: Config): string | undefined {
  if (config.codecommit.gitUrl !== undefined) return config.codecommit.gitUrl.replace(/\/$/, '');
  const region = config.aws.region;
  if (region === undefined) return undefined;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://git-codecommit.${region}.${suffix}`;
}
