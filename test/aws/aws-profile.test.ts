import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gitSignature } from '../../src/codecommit/git-password.ts';
import { tempDir } from '../helpers/git.ts';
import { BIN, eventually, gh2cc } from '../helpers/processes.ts';
import { startRecordingRelay, type RecordingRelay } from '../helpers/recording-relay.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const sandbox = inject('sandbox');
const sandboxDir = inject('sandboxDir');
const motoUrl = inject('motoUrl');
const cc = sandbox.codecommit;

const ORG = 'aws-profile-org';
const ROLE = 'arn:aws:iam::222222222222:role/gh2cc-mirror';
const MFA_DEVICE = 'arn:aws:iam::111111111111:mfa/alice';
const BASE_KEY = 'AKIAPROFILEBASE00001';
/** A git host with no region in its name (a VPC endpoint alias): the region must come from AWS settings. */
const CREDENTIAL_REQUEST = 'protocol=https\nhost=codecommit.internal.example\npath=v1/repos/demo\n\n';

function credentialAnswer(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The password of a git-credential answer was signed with this secret for this region. */
function signedFor(password: string | undefined, secret: string, region: string): boolean {
  const timestamp = (password ?? '').slice(0, 15);
  const expected = gitSignature(secret, region, 'codecommit.internal.example', '/v1/repos/demo', timestamp);
  return password === `${timestamp}Z${expected}`;
}

/** AssumeRole requests the relay saw, as form fields. */
function assumeRoleCalls(relay: RecordingRelay): URLSearchParams[] {
  return relay.requests
    .map((r) => new URLSearchParams(r.body))
    .filter((form) => form.get('Action') === 'AssumeRole');
}

describe('AWS profiles from the shared config files', () => {
  let dir: string;
  let sts: RecordingRelay;
  /** No AWS variable but the files, the endpoints and the sandbox's GitHub. */
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await tempDir('gh2cc-aws-profile-');
    await seedOrg(join(sandboxDir, 'github'), ORG, [{ name: 'one', commits: 2 }]);
    sts = await startRecordingRelay(motoUrl);
    await writeFile(
      join(dir, 'config'),
      [
        '[profile mirror]',
        `region = ${cc.region}`,
        '[profile other]',
        'region = eu-west-3',
        '[profile base]',
        'region = us-east-1',
        '[profile role]',
        `role_arn = ${ROLE}`,
        'source_profile = base',
        'region = ap-southeast-2',
        '[profile mfa-role]',
        `role_arn = ${ROLE}`,
        'source_profile = base',
        `mfa_serial = ${MFA_DEVICE}`,
        'region = ca-central-1',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'credentials'),
      [
        '[mirror]',
        `aws_access_key_id = ${cc.accessKeyId}`,
        `aws_secret_access_key = ${cc.secretAccessKey}`,
        '[other]',
        'aws_access_key_id = AKIAPROFILEOTHER0001',
        'aws_secret_access_key = other-secret-key-000000000000000000000000',
        '[base]',
        `aws_access_key_id = ${BASE_KEY}`,
        'aws_secret_access_key = base-secret-key-0000000000000000000000000',
        '',
      ].join('\n'),
    );
    env = {
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_CODECOMMIT: cc.endpoint,
      GH2CC_CODECOMMIT_GIT_URL: cc.gitUrl,
      GITHUB_API_URL: sandbox.github.apiUrl,
      GITHUB_TOKEN: sandbox.github.token,
      GH2CC_CACHE_DIR: join(dir, 'cache'),
      XDG_STATE_HOME: join(dir, 'state'),
    };
  });

  afterAll(async () => {
    await sts.close();
  });

  it("AWS_PROFILE alone: migrate takes the profile's region and keys (no `aws.region: required`)", async () => {
    const p = gh2cc(['migrate', '--org', ORG, '--dry-run', '--json'], { ...env, AWS_PROFILE: 'mirror' });
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stderr()).not.toContain('aws.region');
    const plan = JSON.parse(p.stdout()) as { repos: { repo: string; action: string }[] };
    expect(plan.repos).toEqual([expect.objectContaining({ repo: `${ORG}/one`, action: 'create' })]);
  });

  it("git-credential signs with the profile's keys for the profile's region; --profile and --region override", async () => {
    const ask = (args: string[], extra: Record<string, string>) =>
      gh2cc(['git-credential', 'get', ...args], { ...env, ...extra }, undefined, CREDENTIAL_REQUEST);
    const fromEnv = ask([], { AWS_PROFILE: 'mirror' });
    // The flag wins over AWS_PROFILE, and its region comes along.
    const flag = ask(['--profile', 'other'], { AWS_PROFILE: 'mirror' });
    // --region wins over the profile's region and over AWS_REGION.
    const region = ask(['--profile', 'other', '--region', 'sa-east-1'], { AWS_REGION: 'us-west-2' });
    for (const p of [fromEnv, flag, region]) expect(await p.exited, p.stderr()).toBe(0);

    const a = credentialAnswer(fromEnv.stdout());
    expect(a['username']).toBe(cc.accessKeyId);
    expect(signedFor(a['password'], cc.secretAccessKey, cc.region)).toBe(true);
    const otherSecret = 'other-secret-key-000000000000000000000000';
    const b = credentialAnswer(flag.stdout());
    expect(b['username']).toBe('AKIAPROFILEOTHER0001');
    expect(signedFor(b['password'], otherSecret, 'eu-west-3')).toBe(true);
    expect(signedFor(credentialAnswer(region.stdout())['password'], otherSecret, 'sa-east-1')).toBe(true);
  });

  it('role_arn + source_profile: STS AssumeRole with the source keys, and the role’s credentials are used', async () => {
    sts.requests.length = 0;
    const p = gh2cc(['git-credential', 'get', '--profile', 'role'], env, undefined, CREDENTIAL_REQUEST);
    expect(await p.exited, p.stderr()).toBe(0);
    const [call, ...more] = assumeRoleCalls(sts);
    expect(more).toEqual([]);
    expect(call?.get('RoleArn')).toBe(ROLE);
    expect(call?.get('SerialNumber')).toBeNull();
    const [keyId, token] = (credentialAnswer(p.stdout())['username'] ?? '').split('%');
    // moto's AssumeRole hands out a new temporary key with a session token, not the source profile's key.
    expect(keyId).toMatch(/^ASIA/);
    expect(keyId).not.toBe(BASE_KEY);
    expect(token).toBeTruthy();
  });

  it('mfa_serial: the code from GH2CC_MFA_CODE or --mfa-code goes to AssumeRole; never into the output', async () => {
    sts.requests.length = 0;
    const fromEnv = gh2cc(
      ['git-credential', 'get', '--profile', 'mfa-role'],
      { ...env, GH2CC_MFA_CODE: '472913' },
      undefined,
      CREDENTIAL_REQUEST,
    );
    const flag = gh2cc(
      ['git-credential', 'get', '--profile', 'mfa-role', '--mfa-code', '318604'],
      env,
      undefined,
      CREDENTIAL_REQUEST,
    );
    for (const p of [fromEnv, flag]) expect(await p.exited, p.stderr()).toBe(0);
    const calls = assumeRoleCalls(sts).map((c) => [c.get('SerialNumber'), c.get('TokenCode')]);
    expect(calls).toHaveLength(2);
    expect(calls).toEqual(
      expect.arrayContaining([
        [MFA_DEVICE, '472913'],
        [MFA_DEVICE, '318604'],
      ]),
    );
    expect(`${fromEnv.stdout()}${fromEnv.stderr()}`).not.toContain('472913');
  });

  it('GH2CC_ASSUME_ROLE_ARN with GH2CC_MFA_SERIAL: AssumeRole carries the serial and the code', async () => {
    sts.requests.length = 0;
    const p = gh2cc(
      ['git-credential', 'get', '--region', 'eu-north-1'],
      {
        ...env,
        AWS_ACCESS_KEY_ID: BASE_KEY,
        AWS_SECRET_ACCESS_KEY: 'base-secret-key-0000000000000000000000000',
        GH2CC_ASSUME_ROLE_ARN: ROLE,
        GH2CC_MFA_SERIAL: MFA_DEVICE,
        GH2CC_MFA_CODE: '905521',
      },
      undefined,
      CREDENTIAL_REQUEST,
    );
    expect(await p.exited, p.stderr()).toBe(0);
    const [call] = assumeRoleCalls(sts);
    expect([call?.get('RoleArn'), call?.get('SerialNumber'), call?.get('TokenCode')]).toEqual([
      ROLE,
      MFA_DEVICE,
      '905521',
    ]);
    expect(credentialAnswer(p.stdout())['username']).toMatch(/^ASIA\w+%.+/);
  });

  it('on a terminal, the code is asked for on stderr and what is typed goes to AssumeRole', async () => {
    sts.requests.length = 0;
    // script(1) gives the command a pseudo-terminal, as a user's shell would.
    const child = spawn('script', ['-qec', `node ${BIN} iam self-policy --profile mfa-role`, '/dev/null'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await eventually(() => screen.includes(`MFA code for ${MFA_DEVICE}:`), 10_000, 'the MFA prompt');
    child.stdin.write('246810\n');
    expect(await exited, screen).toBe(0);
    expect(screen).toContain('"Statement"');
    expect(assumeRoleCalls(sts).map((c) => c.get('TokenCode'))).toEqual(['246810']);
  });

  it('an MFA profile with no terminal and no code: exit 2 naming GH2CC_MFA_CODE and --mfa-code, no AssumeRole', async () => {
    sts.requests.length = 0;
    const helper = gh2cc(
      ['git-credential', 'get', '--profile', 'mfa-role'],
      env,
      undefined,
      CREDENTIAL_REQUEST,
    );
    const migrate = gh2cc(['migrate', '--org', ORG, '--dry-run', '--profile', 'mfa-role'], env);
    for (const p of [helper, migrate]) {
      expect(await p.exited, p.stderr()).toBe(2);
      expect(p.stderr()).toContain(MFA_DEVICE);
      expect(p.stderr()).toContain('GH2CC_MFA_CODE');
      expect(p.stderr()).toContain('--mfa-code');
    }
    expect(assumeRoleCalls(sts)).toEqual([]);
  });
});
