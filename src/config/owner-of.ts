import { ConfigError } from '../util/errors.ts';
import type { Config } from './schema.ts';

export type Owner = { readonly org: string } | { readonly user: string };

/** Whose repositories gh2cc works on: an organization or a user, never both; a usage error otherwise. */
export function ownerOf(config: Config): Owner {
  if (config.github.org !== undefined && config.github.user !== undefined) {
    throw new ConfigError([
      { path: 'github.org', message: 'give either an organization (--org) or a user (--user), not both' },
    ]);
  }
  if (config.github.org !== undefined) return { org: config.github.org };
  if (config.github.user !== undefined) return { user: config.github.user };
  throw new ConfigError([
    { path: 'github.org', message: 'required: which organization to mirror (--org NAME or GH2CC_ORG)' },
  ]);
}

export function ownerName(owner: Owner): string {
  return 'org' in owner ? owner.org : owner.user;
}
