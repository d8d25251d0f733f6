import type { Logger } from 'pino';
import { awsCredentialProvider } from '../codecommit/aws-credentials.ts';
import { createCodeCommitClient } from '../codecommit/create-codecommit-client.ts';
import { requireKeys } from '../config/load-config.ts';
import type { Config } from '../config/schema.ts';
import { githubClientFor } from '../github/github-client-for.ts';
import { callerAccount, createIamClient } from './create-iam-client.ts';
import type { IamDeps } from './plan-iam.ts';

/** The clients `gh2cc iam` and the daemon's IAM job use, and the account the policies name. */
export async function createIamDeps(config: Config, log: Logger, signal?: AbortSignal): Promise<IamDeps> {
  const app = config.github.appId !== undefined || config.github.appPrivateKey !== undefined;
  requireKeys(config, [
    ...(app
      ? [{ key: 'github.appPrivateKey', why: "the App's private key (GITHUB_APP_PRIVATE_KEY)" }]
      : [{ key: 'github.token', why: "to read the org's teams, members and branch protection" }]),
    { key: 'aws.region', why: 'the region of the CodeCommit repositories the policies name' },
  ]);
  const credentials = awsCredentialProvider(config);
  const account =
    config.iam.accountId === undefined
      ? await callerAccount(config, credentials)
      : { accountId: config.iam.accountId, partition: 'aws' };
  return {
    config,
    log,
    github: githubClientFor(config, log),
    iam: createIamClient(config, credentials),
    codecommit: createCodeCommitClient(config, credentials),
    account,
    ...(signal === undefined ? {} : { signal }),
  };
}
