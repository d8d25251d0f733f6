import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.ts';
import { tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';
import { startRecordingRelay, type RecordingRelay } from '../helpers/recording-relay.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';

const sandbox = inject('sandbox');
const sandboxDir = inject('sandboxDir');
const motoUrl = inject('motoUrl');
const ORG = 'proxy-org';

const hostOf = (url: string): string => new URL(url).host;

describe('HTTP(S)_PROXY and NO_PROXY for the AWS SDK and Octokit', () => {
  let dir: string;
  let proxy: ForwardProxy;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('gh2cc-proxy-');
    await seedOrg(join(sandboxDir, 'github'), ORG, [{ name: 'api', commits: 2 }]);
    proxy = await startForwardProxy();
    env = {
      ...sandbox.env,
      GH2CC_CACHE_DIR: join(dir, 'cache'),
      XDG_STATE_HOME: join(dir, 'state'),
    };
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('GitHub and CodeCommit API requests go through http_proxy, with its credentials', async () => {
    proxy.seen.length = 0;
    const withAuth = proxy.url.replace('http://', 'http://gh2cc:proxy-pass-123@');
    const p = gh2cc(['migrate', '--org', ORG, '--dry-run', '--json'], { ...env, http_proxy: withAuth });
    expect(await p.exited, p.stderr()).toBe(0);
    expect(JSON.parse(p.stdout())).toMatchObject({ repos: [{ repo: `${ORG}/api` }] });
    const targets = new Set(proxy.seen.map((s) => s.target));
    expect(targets).toContain(hostOf(sandbox.github.apiUrl));
    expect(targets).toContain(hostOf(sandbox.codecommit.endpoint));
    const basic = `Basic ${Buffer.from('gh2cc:proxy-pass-123').toString('base64')}`;
    expect(proxy.seen.every((s) => s.proxyAuthorization === basic)).toBe(true);
    expect(p.stderr()).not.toContain('proxy-pass-123');
  });

  it('NO_PROXY hosts bypass HTTP_PROXY, for each client by host and port', async () => {
    const github = hostOf(sandbox.github.apiUrl);
    const codecommit = hostOf(sandbox.codecommit.endpoint);
    for (const [bypassed, proxied] of [
      [github, codecommit],
      [codecommit, github],
    ] as const) {
      proxy.seen.length = 0;
      const p = gh2cc(['migrate', '--org', ORG, '--dry-run', '--json'], {
        ...env,
        HTTP_PROXY: proxy.url,
        NO_PROXY: `localhost,${bypassed}`,
      });
      expect(await p.exited, p.stderr()).toBe(0);
      const targets = new Set(proxy.seen.map((s) => s.target));
      expect([...targets]).toEqual([proxied]);
    }
  });

  it('git fetches and pushes through an upper-case HTTP_PROXY too (curl reads only http_proxy)', async () => {
    proxy.seen.length = 0;
    const p = gh2cc(['migrate', '--org', ORG, '--prefix', 'via-proxy-'], { ...env, HTTP_PROXY: proxy.url });
    expect(await p.exited, p.stderr()).toBe(0);
    const paths = proxy.seen.map((s) => `${s.target}${s.path ?? ''}`);
    const github = hostOf(sandbox.github.apiUrl);
    const codecommit = hostOf(sandbox.codecommit.endpoint);
    expect(paths).toContainEqual(expect.stringMatching(`^${github}/.*service=git-upload-pack`));
    expect(paths).toContainEqual(expect.stringMatching(`^${codecommit}/.*service=git-receive-pack`));
  });

  describe('HTTPS through a CONNECT tunnel, trusting AWS_CA_BUNDLE', () => {
    let sts: RecordingRelay;
    let stsUrl: string;
    let stsEnv: Record<string, string>;

    beforeAll(async () => {
      const { keyFile, certFile } = selfSignedCert(dir);
      const tls = { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
      sts = await startRecordingRelay(motoUrl, tls);
      // By name, as AWS endpoints are: a certificate is checked against the host name.
      stsUrl = sts.url.replace('127.0.0.1', 'localhost');
      stsEnv = {
        AWS_ACCESS_KEY_ID: 'AKIAPROXYTEST0000001',
        AWS_SECRET_ACCESS_KEY: 'proxy-test-secret-00000000000000000000000',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_STS: stsUrl,
        HTTPS_PROXY: proxy.url,
      };
    });

    afterAll(async () => {
      await sts.close();
    });

    it('STS over https:// is tunnelled through HTTPS_PROXY, its certificate checked against AWS_CA_BUNDLE', async () => {
      proxy.seen.length = 0;
      const p = gh2cc(['iam', 'self-policy'], { ...stsEnv, AWS_CA_BUNDLE: join(dir, 'cert.pem') });
      expect(await p.exited, p.stderr()).toBe(0);
      expect(p.stdout()).toContain('"Statement"');
      expect(proxy.seen).toEqual([{ kind: 'connect', target: hostOf(stsUrl) }]);
      expect(sts.requests.map((r) => new URLSearchParams(r.body).get('Action'))).toEqual([
        'GetCallerIdentity',
      ]);

      // Without the bundle, the same certificate is refused.
      sts.requests.length = 0;
      const untrusted = gh2cc(['iam', 'self-policy'], stsEnv);
      expect(await untrusted.exited).toBe(1);
      expect(untrusted.stderr()).toMatch(/certificate/i);
      expect(sts.requests).toEqual([]);
    });
  });
});
