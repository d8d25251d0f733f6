import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';

/**
 * The CodeCommit API client. The SDK's adaptive retry mode already backs off with jitter on
 * ThrottlingException, 5xx answers and dropped connections; we only raise the attempt count, because
 * CodeCommit publishes no rates and a whole-org migration leans on it hard.
 */
export function createCodeCommitClient(
  config: Config,
  credentials: AwsCredentialIdentityProvider,
  options: { maxAttempts?: number } = {},
): CodeCommitClient {
  return new CodeCommitClient({
    ...(config.aws.region === undefined ? {} : { region: config.aws.region }),
    ...(config.aws.endpoints.codecommit === undefined ? {} : { endpoint: config.aws.endpoints.codecommit }),
    credentials,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 8,
  });
}
