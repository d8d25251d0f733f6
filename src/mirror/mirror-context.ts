import { divergencePolicyFor } from '../config/divergence-policy.ts';
import { resolve } from 'node:path';
import type { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from 'pino';
import { awsCredentialProvider } from '../codecommit/aws-credentials.ts';
import { createCodeCommitClient } from '../codecommit/create-codecommit-client.ts';
import { createCodeCommitRemote, type CodeCommitRemote } from '../codecommit/git-remote.ts';
import { requireKeys } from '../config/load-config.ts';
import { mirrorRequirements } from '../config/requirements.ts';
import type { Config } from '../config/schema.ts';
import type { GithubClient } from '../github/create-github-client.ts';
import { githubClientFor } from '../github/github-client-for.ts';
import { githubCredentials } from '../github/github-credentials.ts';
import type { GitAuth } from '../git/git-auth.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../util/retry.ts';
import type { SyncProgress } from '../core/repo-result.ts';
import type { SyncDeps } from '../mirror/sync-deps.ts';

/** Everything a migration talks to, built once from the configuration. */
export interface MirrorContext {
  readonly config: Config;
  readonly log: Logger;
  readonly github: GithubClient;
  readonly codecommit: CodeCommitClient;
  /** gh2cc's AWS identity, resolved once for every client (an MFA code is asked for once). */
  readonly awsCredentials: AwsCredentialIdentityProvider;
  readonly remote: CodeCommitRemote;
  /** Git credentials for GitHub, asked for at each use (a GitHub App's tokens are renewed). */
  readonly githubAuth: () => Promise<GitAuth>;
  readonly cacheDir: string;
  readonly retry?: RetryPolicy;
}

export function createMirrorContext(
  config: Config,
  log: Logger,
  options: { retry?: RetryPolicy } = {},
): MirrorContext {
  requireKeys(config, mirrorRequirements(config));
  const gh = githubCredentials(config);
  const credentials = awsCredentialProvider(config);
  return {
    config,
    log,
    github: githubClientFor(config, log, gh),
    codecommit: createCodeCommitClient(config, credentials),
    awsCredentials: credentials,
    remote: createCodeCommitRemote(config, credentials),
    // GitHub accepts a token as the password of any user name; x-access-token is what Apps use.
    githubAuth: gh.gitAuth,
    cacheDir: resolve(config.mirror.cacheDir),
    retry: options.retry ?? { ...DEFAULT_RETRY, retries: config.mirror.retries },
  };
}

export function syncDepsFor(
  ctx: MirrorContext,
  run: {
    verify: 'refs' | 'deep';
    wikis: boolean;
    signal?: AbortSignal;
    onProgress?: (p: SyncProgress) => void;
  },
): SyncDeps {
  return {
    codecommit: ctx.codecommit,
    remote: ctx.remote,
    githubAuth: ctx.githubAuth,
    cacheDir: ctx.cacheDir,
    maxRefsPerPush: ctx.config.mirror.maxRefsPerPush,
    incrementCommits: ctx.config.mirror.incrementCommits,
    gitNetwork: {
      lowSpeedLimit: ctx.config.mirror.gitLowSpeedLimit,
      lowSpeedTimeMs: ctx.config.mirror.gitLowSpeedTime,
    },
    verify: run.verify,
    wikis: run.wikis,
    onDivergence: divergencePolicyFor(ctx.config.mirror),
    backupRetentionMs: ctx.config.mirror.backupRetention,
    ...(ctx.config.notify.secretScan ? { secretScan: true } : {}),
    ...(ctx.config.codecommit.kmsKeyId === undefined ? {} : { kmsKeyId: ctx.config.codecommit.kmsKeyId }),
    ...(ctx.config.notify.codecommitTriggers && ctx.config.notify.snsTopicArn !== undefined
      ? { triggerTopicArn: ctx.config.notify.snsTopicArn }
      : {}),
    ...(ctx.retry === undefined ? {} : { retry: ctx.retry }),
    log: ctx.log,
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
  };
}
