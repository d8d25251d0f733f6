import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';

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
          },
        });
  return async () => {
    let creds: AwsCredentialIdentity;
    try {
      creds = await chain();
    } catch (err) {
      throw new Gh2ccError('auth', `no usable AWS credentials: ${errorMessage(err)}`, {
        cause: err,
        retryable: false,
        fix: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an IAM role is available',
      });
    }
    addSecret(creds.secretAccessKey);
    addSecret(creds.sessionToken);
    return creds;
  };
}
