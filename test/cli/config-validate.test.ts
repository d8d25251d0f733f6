import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { ConfigError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers/git.ts';

const bin = join(process.cwd(), 'bin/gh2cc.js');
const cleanEnv = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

describe('gh2cc config validate', () => {
  it('prints one line per problem naming the key path, and exits 2', async () => {
    const dir = await tempDir();
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      [
        'github:',
        '  apiUrl: not-a-url',
        '  tokn: typo',
        'aws:',
        '  region: Mars-1',
        'mirror:',
        '  maxRefsPerPush: 5000',
        'server:',
        '  port: http',
        'daemon:',
        '  reconcileEvery: every now and then',
      ].join('\n'),
    );
    const r = spawnSync('node', [bin, 'config', 'validate', '--config', file], {
      encoding: 'utf8',
      env: cleanEnv,
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^github\.apiUrl: .*URL/),
        expect.stringMatching(/^github\.tokn: unknown key/),
        expect.stringMatching(/^aws\.region: .*us-east-1/),
        expect.stringMatching(/^mirror\.maxRefsPerPush: .*4,000/),
        expect.stringMatching(/^server\.port: /),
        expect.stringMatching(/^daemon\.reconcileEvery: .*duration/),
      ]),
    );
  });

  it('accepts a good file plus environment and exits 0', async () => {
    const dir = await tempDir();
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'github:\n  org: acme\naws:\n  region: eu-west-1\n');
    const r = spawnSync('node', [bin, 'config', 'validate', '--config', file, '--print'], {
      encoding: 'utf8',
      env: { ...cleanEnv, GITHUB_TOKEN: 'ghp_supersecretvalue123', REDIS_URL: 'redis://127.0.0.1:6390' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('configuration OK');
    expect(r.stdout).toContain('"token": "(set)"');
    expect(r.stdout).not.toContain('ghp_supersecretvalue123');
  });

  it('reports a YAML syntax error with its line and a missing file, exit 2', async () => {
    const dir = await tempDir();
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'github:\n  org: [unclosed\n');
    const r = spawnSync('node', [bin, 'config', 'validate', '-c', file], { encoding: 'utf8', env: cleanEnv });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line \d+/);
    const missing = spawnSync('node', [bin, 'config', 'validate', '-c', join(dir, 'nope.yaml')], {
      encoding: 'utf8',
      env: cleanEnv,
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });
});

describe('loadConfig', () => {
  it('reads every documented environment variable, and environment wins over the file', () => {
    const config = loadConfig({
      env: {
        GITHUB_TOKEN: 'tok-123456',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3',
        GH2CC_ORG: 'env-org',
        AWS_REGION: 'eu-central-1',
        AWS_PROFILE: 'migrations',
        AWS_ENDPOINT_URL_CODECOMMIT: 'http://127.0.0.1:1',
        AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:2',
        AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:3',
        AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4',
        GH2CC_CODECOMMIT_GIT_URL: 'http://127.0.0.1:5',
        GH2CC_ASSUME_ROLE_ARN: 'arn:aws:iam::123456789012:role/Mirror',
        REDIS_URL: 'redis://127.0.0.1:6379',
        GH2CC_WEBHOOK_SECRET: 'hook-secret-1',
        GH2CC_SNS_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:drift',
      },
      file: { github: { org: 'file-org' } },
    });
    expect(config.github).toMatchObject({
      token: 'tok-123456',
      apiUrl: 'https://ghe.example.com/api/v3',
      org: 'env-org',
    });
    expect(config.aws).toMatchObject({
      region: 'eu-central-1',
      profile: 'migrations',
      assumeRoleArn: 'arn:aws:iam::123456789012:role/Mirror',
      endpoints: {
        codecommit: 'http://127.0.0.1:1',
        iam: 'http://127.0.0.1:2',
        sns: 'http://127.0.0.1:3',
        sts: 'http://127.0.0.1:4',
      },
    });
    expect(config.codecommit.gitUrl).toBe('http://127.0.0.1:5');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.webhook.secret).toBe('hook-secret-1');
    expect(config.notify.snsTopicArn).toBe('arn:aws:sns:eu-central-1:123456789012:drift');
    expect(Object.isFrozen(config.aws.endpoints)).toBe(true);
  });

  it('has no default for any secret', () => {
    const config = loadConfig({ env: {} });
    expect(config.github.token).toBeUndefined();
    expect(config.webhook.secret).toBeUndefined();
    expect(config.codecommit.gitPassword).toBeUndefined();
  });

  it('throws a ConfigError that names the key and the environment variable', () => {
    expect(() => loadConfig({ env: { REDIS_URL: 'http://nope' } })).toThrow(ConfigError);
    try {
      loadConfig({ env: { REDIS_URL: 'http://nope' } });
    } catch (err) {
      expect((err as ConfigError).problems[0]).toMatchObject({ path: 'redis.url' });
      expect((err as ConfigError).problems[0]?.message).toContain('REDIS_URL');
    }
  });
});
