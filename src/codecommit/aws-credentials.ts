import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { awsRequestHandler } from './create-codecommit-client.ts';

/**
 * AWS credentials from the SDK's default chain (environment, profile, SSO, container, instance role), then,
 * when `aws.assumeRoleArn` is set, exchanged through STS for the target account's role. Every secret is
 * registered with the log sanitizer as soon as it is resolved.
 */
export function awsCredentialProvider(config: Config): AwsCredentialIdentityProvider {
  const base = fromNodeProviderChain(config.aws.profile === undefined ? {} : { profile: config.aws.profile });
  const chain: AwsCredentialIdentityProvider =
    config.aws.assumeRoleArn === undefined
      ? base
      : fromTemporaryCredentials({
          masterCredentials: base,
          params: {
            RoleArn: config.aws.assumeRoleArn,
            ...(config.aws.externalId === undefined ? {} : { ExternalId: config.aws.externalId }),
            DurationSeconds: 3600,
          },
          clientConfig: {
            ...(config.aws.region === undefined ? {} : { region: config.aws.region }),
            ...(config.aws.endpoints.sts === undefined ? {} : { endpoint: config.aws.endpoints.sts }),
            requestHandler: awsRequestHandler(config.aws.timeout),
          },
        });
  // Every git command asks for credentials; they are resolved once and reused until five minutes before
  // they expire (one resolution in flight at a time), so a large org does not mean thousands of STS calls.
  let cached: Promise<AwsCredentialIdentity> | undefined;
  let expiresAt = Number.POSITIVE_INFINITY;
  const resolve = async (): Promise<AwsCredentialIdentity> => {
    let creds: AwsCredentialIdentity;
    try {
      creds = await chain();
    } catch (err) {
      throw classifyCredentialError(err);
    }
    addSecret(creds.secretAccessKey);
    addSecret(creds.sessionToken);
    expiresAt =
      creds.expiration === undefined ? Number.POSITIVE_INFINITY : creds.expiration.getTime() - 5 * 60_000;
    return creds;
  };
  return () => {
    if (cached === undefined || Date.now() >= expiresAt) {
      expiresAt = Number.POSITIVE_INFINITY;
      cached = resolve();
      cached.catch(() => {
        cached = undefined;
      });
    }
    return cached;
  };
}

/** STS throttling, 5xx and timeouts are worth retrying; missing or refused credentials are not. */
function classifyCredentialError(err: unknown): Gh2ccError {
  const name = err instanceof Error ? err.name : '';
  const message = errorMessage(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(name) || status === 429 || status >= 500) {
    return new Gh2ccError('throttled', `AWS credentials could not be obtained right now: ${message}`, {
      cause: err,
    });
  }
  if (/TimeoutError|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(`${name} ${message}`)) {
    return new Gh2ccError('network', `AWS credentials could not be obtained right now: ${message}`, {
      cause: err,
    });
  }
  return new Gh2ccError('auth', `no usable AWS credentials: ${message}`, {
    cause: err,
    retryable: false,
    fix: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an IAM role is available; for GH2CC_ASSUME_ROLE_ARN, the base identity needs sts:AssumeRole on that role',
  });
}
