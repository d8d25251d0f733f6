import { Gh2ccError } from '../util/errors.ts';
import { codecommitGitCredential, regionFromGitHost, type GitCredential } from './git-password.ts';

/** The attributes git sends a credential helper (`key=value` lines, ended by a blank line or EOF). */
export type CredentialRequest = Readonly<Record<string, string>>;

export function parseCredentialRequest(text: string): CredentialRequest {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed === '') break;
    const idx = trimmed.indexOf('=');
    if (idx > 0) out[trimmed.slice(0, idx)] = trimmed.slice(idx + 1);
  }
  return out;
}

export function formatCredential(cred: GitCredential): string {
  return `username=${cred.username}\npassword=${cred.password}\n`;
}

export interface AwsCredentialValues {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/**
 * Answers a `get` for a CodeCommit HTTPS URL: the SigV4-derived password for exactly that host and repo path.
 * The region comes from the host name (git-codecommit.REGION.amazonaws.com) or, for other hosts such as a
 * VPC endpoint alias or the sandbox, from the configured region.
 */
export function answerCredentialRequest(
  request: CredentialRequest,
  credentials: AwsCredentialValues,
  configuredRegion: string | undefined,
  now?: Date,
): GitCredential {
  const host = request['host'];
  const path = request['path'];
  if (host === undefined || host === '') {
    throw new Gh2ccError('usage', 'git sent no host to the credential helper', { retryable: false });
  }
  if (path === undefined || path === '') {
    throw new Gh2ccError('usage', 'git sent no repository path to the credential helper', {
      retryable: false,
      fix: 'set credential.useHttpPath=true for the CodeCommit URL (git config credential.https://HOST.useHttpPath true)',
    });
  }
  const region = regionFromGitHost(host) ?? configuredRegion;
  if (region === undefined) {
    throw new Gh2ccError('config', `cannot tell the AWS region for git host ${host}`, {
      retryable: false,
      fix: 'pass --region, set AWS_REGION, or give the AWS profile a region (or aws.region in the config file)',
    });
  }
  return codecommitGitCredential({ ...credentials, region, host, path: `/${path.replace(/^\//, '')}`, now });
}
