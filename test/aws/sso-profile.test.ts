import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gitSignature } from '../../src/codecommit/git-password.ts';
import { tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';

const cc = inject('sandbox').codecommit;
const START_URL = 'https://gh2cc-test.awsapps.com/start';
const REQUEST = 'protocol=https\nhost=codecommit.internal.example\npath=v1/repos/demo\n\n';
const ROLE_KEY = 'ASIASSOROLEKEY000001';
const ROLE_SECRET = 'sso-role-secret-000000000000000000000000';
const ROLE_TOKEN = 'sso-session-token';

/**
 * An SSO profile (IAM Identity Center, legacy `sso_start_url` form): the SDK reads the token `aws sso login`
 * cached under ~/.aws/sso/cache and exchanges it at the SSO portal for the role's credentials. The portal is
 * played here by a local server at AWS_ENDPOINT_URL_SSO answering GetRoleCredentials as AWS does.
 */
describe('AWS SSO profiles', () => {
  let portal: Server;
  let url = '';
  const seen: Array<{ path: string; token: string | undefined }> = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    portal = createServer((req, res) => {
      const bearer = req.headers['x-amz-sso_bearer_token'];
      seen.push({ path: req.url ?? '', token: Array.isArray(bearer) ? bearer[0] : bearer });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          roleCredentials: {
            accessKeyId: ROLE_KEY,
            secretAccessKey: ROLE_SECRET,
            sessionToken: ROLE_TOKEN,
            expiration: Date.now() + 3_600_000,
          },
        }),
      );
    });
    await new Promise<void>((r) => portal.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    const home = await tempDir('gh2cc-sso-');
    await mkdir(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    await writeFile(
      join(home, '.aws', 'config'),
      [
        '[profile sso-mirror]',
        `sso_start_url = ${START_URL}`,
        'sso_region = us-east-1',
        'sso_account_id = 123456789012',
        'sso_role_name = GitMirror',
        `region = ${cc.region}`,
        '',
      ].join('\n'),
    );
    // What `aws sso login` leaves behind (legacy form: the file is named after the SHA-1 of the start URL).
    await writeFile(
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(START_URL).digest('hex')}.json`),
      JSON.stringify({
        startUrl: START_URL,
        region: 'us-east-1',
        accessToken: 'cached-sso-access-token',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    env = {
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_ENDPOINT_URL_SSO: url,
    };
  });

  afterAll(() => {
    portal.close();
  });

  it("--profile of an SSO profile: the role's credentials from the portal sign git's password", async () => {
    const p = gh2cc(['git-credential', 'get', '--profile', 'sso-mirror'], env, undefined, REQUEST);
    expect(await p.exited, p.stderr()).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toMatch(/^\/federation\/credentials\?/);
    expect(seen[0]?.path).toContain('role_name=GitMirror');
    expect(seen[0]?.path).toContain('account_id=123456789012');
    expect(seen[0]?.token).toBe('cached-sso-access-token');
    const answer = Object.fromEntries(
      p
        .stdout()
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(answer['username']).toBe(`${ROLE_KEY}%${ROLE_TOKEN}`);
    const password = answer['password'] ?? '';
    const timestamp = password.slice(0, 15);
    expect(password).toBe(
      `${timestamp}Z${gitSignature(ROLE_SECRET, cc.region, 'codecommit.internal.example', '/v1/repos/demo', timestamp)}`,
    );
  });
});
