import { describe, expect, inject, it } from 'vitest';
import { awsCredentialProvider } from '../../src/codecommit/aws-credentials.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { gh2cc } from '../helpers/processes.ts';

const motoUrl = inject('motoUrl');

describe('AWS credentials through STS AssumeRole (moto)', () => {
  const base = {
    AWS_ACCESS_KEY_ID: 'AKIAMOTOBASEKEY00001',
    AWS_SECRET_ACCESS_KEY: 'base-secret-key-for-moto-0000000000000000',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: motoUrl,
    GH2CC_ASSUME_ROLE_ARN: 'arn:aws:iam::222222222222:role/gh2cc-mirror',
  };

  it('exchanges the default chain’s credentials for the target role’s', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, base);
    try {
      const creds = await awsCredentialProvider(loadConfig({ env: base }))();
      expect(creds.accessKeyId).not.toBe(base.AWS_ACCESS_KEY_ID);
      expect(creds.sessionToken).toBeTruthy();
    } finally {
      process.env = saved;
    }
  });

  it('gh2cc git-credential answers with the assumed role’s key and session token', async () => {
    const p = gh2cc(
      ['git-credential', 'get'],
      base,
      process.cwd(),
      'protocol=https\nhost=git-codecommit.eu-west-1.amazonaws.com\npath=v1/repos/demo\n\n',
    );
    expect(await p.exited, p.stderr()).toBe(0);
    const out = Object.fromEntries(
      p
        .stdout()
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(out['username']).toMatch(/^[A-Z0-9]+%.+/);
    expect(out['username']?.startsWith(base.AWS_ACCESS_KEY_ID)).toBe(false);
    expect(out['password']).toMatch(/^\d{8}T\d{6}Z[0-9a-f]{64}$/);
  });
});
