import { createHash, createHmac } from 'node:crypto';

export interface GitPasswordInput {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly region: string;
  /** Host name as git sees it; any `:port` is dropped, as the AWS CLI helper does. */
  readonly host: string;
  /** Repository path, e.g. `/v1/repos/MyRepo` (a missing leading slash is added). */
  readonly path: string;
  readonly now?: Date;
}

export interface GitCredential {
  readonly username: string;
  readonly password: string;
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `YYYYMMDDTHHMMSS` in UTC, the timestamp form CodeCommit's git signature uses (no trailing Z). */
export function gitTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').slice(0, 15);
}

/** The signature part of a CodeCommit git password for a given timestamp. */
export function gitSignature(
  secretAccessKey: string,
  region: string,
  host: string,
  path: string,
  timestamp: string,
): string {
  const hostname = host.split(':')[0] ?? host;
  const canonicalPath = path.startsWith('/') ? path : `/${path}`;
  const canonicalRequest = `GIT\n${canonicalPath}\n\nhost:${hostname}\n\nhost\n`;
  const day = timestamp.slice(0, 8);
  const scope = `${day}/${region}/codecommit/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    timestamp,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${secretAccessKey}`, day);
  key = hmac(key, region);
  key = hmac(key, 'codecommit');
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** The HTTPS git credential CodeCommit accepts for about 15 minutes (same algorithm as the AWS CLI helper). */
export function codecommitGitCredential(input: GitPasswordInput): GitCredential {
  const timestamp = gitTimestamp(input.now ?? new Date());
  const signature = gitSignature(input.secretAccessKey, input.region, input.host, input.path, timestamp);
  const username =
    input.sessionToken === undefined || input.sessionToken === ''
      ? input.accessKeyId
      : `${input.accessKeyId}%${input.sessionToken}`;
  return { username, password: `${timestamp}Z${signature}` };
}

/** Region from a CodeCommit git host name (`git-codecommit[-fips].REGION.amazonaws.com[.cn]`, VPC endpoints too). */
export function regionFromGitHost(host: string): string | undefined {
  const match =
    /^(?:vpce-.+\.)?git-codecommit(?:-fips)?\.([^.]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?(?::\d+)?$/.exec(
      host,
    );
  return match?.[1];
}
