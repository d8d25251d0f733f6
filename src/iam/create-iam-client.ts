import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { awsRequestHandler } from '../codecommit/aws-request-handler.ts';
import type { Config } from '../config/schema.ts';
import { classifyIamError } from './classify-iam-error.ts';

/** IAM is global; its requests are signed for us-east-1 unless a region is configured. */
export function createIamClient(config: Config, credentials: AwsCredentialIdentityProvider): IAMClient {
  return new IAMClient({
    region: config.aws.region ?? 'us-east-1',
    ...(config.aws.endpoints.iam === undefined ? {} : { endpoint: config.aws.endpoints.iam }),
    credentials,
    retryMode: 'adaptive',
    maxAttempts: 8,
    requestHandler: awsRequestHandler(config.aws),
  });
}

/** The account and partition of gh2cc's own identity (STS GetCallerIdentity). */
export async function callerAccount(
  config: Config,
  credentials: AwsCredentialIdentityProvider,
): Promise<{ accountId: string; partition: string }> {
  const sts = new STSClient({
    region: config.aws.region ?? 'us-east-1',
    ...(config.aws.endpoints.sts === undefined ? {} : { endpoint: config.aws.endpoints.sts }),
    credentials,
    requestHandler: awsRequestHandler(config.aws),
  });
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    const arn = id.Arn ?? '';
    return { accountId: id.Account ?? '', partition: arn.split(':')[1] ?? 'aws' };
  } catch (err) {
    throw classifyIamError(err, 'read the AWS account (sts:GetCallerIdentity)');
  } finally {
    sts.destroy();
  }
}
