import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { awsRequestHandler } from './aws-request-handler.ts';
import { mfaCodeProvider } from './mfa-code.ts';

export interface AwsCredentialOptions {
  /** Asked for the code of an MFA device (default: `aws.mfaCode`, else a prompt on the terminal). */
  readonly mfaCode?: (serial: string) => Promise<string>;
}

/**
 * STS AssumeRole for a profile's `role_arn` (with `source_profile` or `credential_source`, and `mfa_serial`)
 * through gh2cc's own endpoint, region, proxy and CA settings; the SDK's default would ignore
 * `aws.endpoints.sts` from the config file.
 */
function profileRoleAssumer(config: Config) {
  return async (
    source: AwsCredentialIdentity,
    params: AssumeRoleCommandInput,
  ): Promise<AwsCredentialIdentity> => {
    // Loaded here: most runs never assume a profile's role, and git calls the credential helper often.
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({
      region: config.aws.region ?? 'us-east-1',
      ...(config.aws.endpoints.sts === undefined ? {} : { endpoint: config.aws.endpoints.sts }),
      credentials: source,
      // Its own agents: destroying this client closes them.
      requestHandler: awsRequestHandler(config.aws),
    });
    try {
      const { Credentials: c } = await sts.send(new AssumeRoleCommand(params));
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined)
        throw new Error(`STS AssumeRole returned no credentials for ${params.RoleArn ?? 'the role'}`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
        ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
      };
    } finally {
      sts.destroy();
    }
  };
}

/**
 * AWS credentials from the SDK's default chain (environment, then `aws.profile` / AWS_PROFILE from the shared
 * files — keys, role_arn + source_profile, mfa_serial, SSO, credential_process —, container, instance role),
 * then, when `aws.assumeRoleArn` is set, exchanged through STS for the target account's role (with
 * `aws.mfaSerial`'s code when set). Every secret is registered with the log sanitizer as soon as it is resolved.
 */
export function awsCredentialProvider(
  config: Config,
  options: AwsCredentialOptions = {},
): AwsCredentialIdentityProvider {
  const requestHandler = awsRequestHandler(config.aws);
  const mfaCode = options.mfaCode ?? mfaCodeProvider(config.aws);
  const region = config.aws.region === undefined ? {} : { region: config.aws.region };
  const base = fromNodeProviderChain({
    ...(config.aws.profile === undefined ? {} : { profile: config.aws.profile }),
    mfaCodeProvider: mfaCode,
    roleAssumer: profileRoleAssumer(config),
    // The SSO portal's client, and STS for web identity tokens: the same proxy and CA.
    clientConfig: { requestHandler },
    parentClientConfig: { ...region, requestHandler },
  });
  const chain: AwsCredentialIdentityProvider =
    config.aws.assumeRoleArn === undefined
      ? base
      : fromTemporaryCredentials({
          masterCredentials: base,
          params: {
            RoleArn: config.aws.assumeRoleArn,
            ...(config.aws.externalId === undefined ? {} : { ExternalId: config.aws.externalId }),
            ...(config.aws.mfaSerial === undefined ? {} : { SerialNumber: config.aws.mfaSerial }),
            DurationSeconds: 3600,
          },
          mfaCodeProvider: mfaCode,
          clientConfig: {
            ...region,
            ...(config.aws.endpoints.sts === undefined ? {} : { endpoint: config.aws.endpoints.sts }),
            requestHandler,
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
      // Already classified: no MFA code to be had, an unreadable CA bundle.
      if (err instanceof Gh2ccError) throw err;
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
    fix: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or --profile/AWS_PROFILE (run `aws sso login --profile NAME` first for an SSO profile), or run where an IAM role is available; for GH2CC_ASSUME_ROLE_ARN, the base identity needs sts:AssumeRole on that role',
  });
}
