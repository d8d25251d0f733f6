import { ConfigError } from '../util/errors.ts';
import { takesGithubComTokens } from './github-env.ts';
import { requireKeys, type Requirement } from './load-config.ts';
import { ownerOf } from './owner-of.ts';
import type { Config } from './schema.ts';

/** The commands `gh2cc config validate --for` knows the needs of. */
export const VALIDATED_COMMANDS = ['migrate', 'daemon', 'serve'] as const;
export type ValidatedCommand = (typeof VALIDATED_COMMANDS)[number];

/** What every command that talks to GitHub and CodeCommit needs. */
export function mirrorRequirements(config: Config): Requirement[] {
  const app = config.github.appId !== undefined || config.github.appPrivateKey !== undefined;
  return [
    ...(app
      ? [
          { key: 'github.appId', why: 'to authenticate as a GitHub App (GITHUB_APP_ID)' },
          { key: 'github.appPrivateKey', why: "the App's private key (GITHUB_APP_PRIVATE_KEY)" },
        ]
      : [githubTokenRequirement(config.github.apiUrl)]),
    { key: 'aws.region', why: 'for CodeCommit' },
  ];
}

/**
 * An Enterprise Server takes its own token variable, as for the gh CLI (github-env.ts): GITHUB_TOKEN is not
 * suggested for one named by GH_HOST, where it would be ignored.
 */
function githubTokenRequirement(apiUrl: string): Requirement {
  return takesGithubComTokens(apiUrl)
    ? { key: 'github.token', why: 'to read GitHub (GH_TOKEN works too; or a GitHub App: GITHUB_APP_ID)' }
    : {
        key: 'github.token',
        why: `to read GitHub at ${new URL(apiUrl).host} (or a GitHub App: GITHUB_APP_ID)`,
        env: 'GH_ENTERPRISE_TOKEN',
      };
}

/** `worker`, `daemon` and `serve` keep their queues in Redis. */
export const REDIS_REQUIREMENT: Requirement = {
  key: 'redis.url',
  why: 'where the job queues live (--redis-url)',
};

/**
 * Every setting `command` would find missing when it starts, by the same checks it runs then: the owner
 * (`serve` needs one only to route webhooks), GitHub and AWS credentials, and Redis for the long-running ones.
 */
export function missingFor(command: ValidatedCommand, config: Config): ConfigError['problems'] {
  const problems: ConfigError['problems'][number][] = [];
  const collect = (check: () => unknown): void => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  };
  if (command !== 'serve' || config.webhook.secret !== undefined) collect(() => ownerOf(config));
  collect(() => requireKeys(config, mirrorRequirements(config)));
  if (command !== 'migrate') collect(() => requireKeys(config, [REDIS_REQUIREMENT]));
  return problems;
}
