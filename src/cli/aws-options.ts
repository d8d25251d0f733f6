import type { Command } from 'commander';

/** The AWS flags of every command that talks to AWS, as the AWS CLI spells them. */
export interface AwsCliOptions {
  profile?: string;
  region?: string;
  mfaCode?: string;
}

export function addAwsOptions(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'AWS profile of ~/.aws/config (env AWS_PROFILE)')
    .option('--region <region>', "AWS region (env AWS_REGION; default: the profile's region)")
    .option(
      '--mfa-code <code>',
      'code of the MFA device a role needs; visible to other users in ps, prefer env GH2CC_MFA_CODE',
    );
}

/** The flags as config keys; unset ones are left out, so the file and the environment still count. */
export function awsOverrides(o: AwsCliOptions): Record<string, unknown> {
  return { 'aws.profile': o.profile, 'aws.region': o.region, 'aws.mfaCode': o.mfaCode };
}
