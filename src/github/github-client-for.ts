import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { createGithubClient, type GithubClient } from './create-github-client.ts';
import { githubCredentials, type GithubCredentials } from './github-credentials.ts';

/** The REST client the configuration asks for: a token, or the GitHub App's renewing installation tokens. */
export function githubClientFor(
  config: Config,
  log: Logger,
  gh: GithubCredentials = githubCredentials(config),
): GithubClient {
  return createGithubClient({
    apiUrl: config.github.apiUrl,
    token: gh.kind === 'token' ? (config.github.token ?? '') : gh.token,
    log,
    timeoutMs: config.github.timeout,
  });
}
