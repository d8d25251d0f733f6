import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { Gh2ccError } from '../util/errors.ts';
import { awsRequestHandler } from './aws-request-handler.ts';

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
  const client = new CodeCommitClient({
    ...(config.aws.region === undefined ? {} : { region: config.aws.region }),
    ...(config.aws.endpoints.codecommit === undefined ? {} : { endpoint: config.aws.endpoints.codecommit }),
    credentials,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 8,
    requestHandler: awsRequestHandler(config.aws),
  });
  const endpoint =
    config.aws.endpoints.codecommit ?? `https://codecommit.${config.aws.region ?? '<region>'}.amazonaws.com`;
  // Below the retry middleware: a request that timed out is not retried by the SDK (8 attempts would turn one
  // dead endpoint into minutes of silence) but reported as one line naming the endpoint. gh2cc's own
  // per-step retries (mirror.retries) still apply. No `cause`: the SDK would find the TimeoutError in it and
  // retry after all.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (err instanceof Error && err.name === 'TimeoutError') {
          throw new Gh2ccError(
            'network',
            `CodeCommit API at ${endpoint} did not answer within ${config.aws.timeout / 1000} s; check AWS_ENDPOINT_URL_CODECOMMIT, GH2CC_AWS_TIMEOUT (aws.timeout) and the network`,
          );
        }
        throw err;
      }
    },
    { step: 'deserialize', name: 'gh2ccRequestTimeout', priority: 'low' },
  );
  return client;
}
