import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.ts';
import { codecommitGitUrl } from './git-url.ts';
import type { GitAuth } from '../git/git-auth.ts';
import { Gh2ccError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { codecommitGitCredential, regionFromGitHost } from './git-password.ts';

/** How gh2cc reaches one CodeCommit repository over git: its URL and fresh credentials for each use. */
export interface CodeCommitRemote {
  url(name: string): string;
  /** Credentials for one git command; a SigV4 password is made anew each time (it lasts ~15 minutes). */
  auth(name: string): Promise<GitAuth | undefined>;
}

export function createCodeCommitRemote(
  config: Config,
  credentials: AwsCredentialIdentityProvider,
): CodeCommitRemote {
  const base = codecommitGitUrl(config);
  if (base === undefined) {
    throw new Gh2ccError('config', 'cannot tell the CodeCommit git endpoint', {
      retryable: false,
      fix: 'set AWS_REGION (or GH2CC_CODECOMMIT_GIT_URL for a custom endpoint)',
    });
  }
  const host = new URL(base).host;
  const mode = config.codecommit.gitAuth;
  return {
    url(name) {
      const path = `/v1/repos/${encodeURIComponent(name)}`;
      if (mode === 'ssh') {
        const keyId = config.codecommit.sshKeyId ?? '';
        return `ssh://${keyId}@${new URL(base).hostname}${path}`;
      }
      return `${base}${path}`;
    },
    async auth(name) {
      if (mode === 'ssh') return undefined;
      if (mode === 'https-git-credentials') {
        const { gitUsername, gitPassword } = config.codecommit;
        if (gitUsername === undefined || gitPassword === undefined) {
          throw new Gh2ccError(
            'config',
            'codecommit.gitAuth is https-git-credentials but the user name or password is missing',
            {
              retryable: false,
              fix: 'set codecommit.gitUsername and codecommit.gitPassword (from IAM → HTTPS Git credentials)',
            },
          );
        }
        addSecret(gitPassword);
        return { username: gitUsername, password: gitPassword };
      }
      const region = regionFromGitHost(host) ?? config.aws.region;
      if (region === undefined) {
        throw new Gh2ccError('config', `cannot tell the AWS region for ${host}`, {
          retryable: false,
          fix: 'set AWS_REGION',
        });
      }
      const creds = await credentials();
      // The derived password is not registered with the sanitizer: a new one is made for every git command
      // and lives only in that child's environment, where nothing logs it.
      return codecommitGitCredential({ ...creds, region, host, path: `/v1/repos/${name}` });
    },
  };
}
