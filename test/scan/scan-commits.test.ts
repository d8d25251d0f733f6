import { generateKeyPairSync, randomInt } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotification } from '../../src/core/notification.ts';
import { FastImportStream } from '../../src/git/fast-import.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { scanNewCommits, type ScanTruncation, type SecretFinding } from '../../src/scan/scan-commits.ts';
import { secretDetectedNotifications } from '../../src/scan/secret-notifications.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';

const AWS = '@secretlint/secretlint-rule-aws';
const GITHUB = '@secretlint/secretlint-rule-github';
const PRIVATE_KEY = '@secretlint/secretlint-rule-privatekey';

function random(length: number, alphabet: string): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;

/**
 * Made at test time so no real-looking key is ever committed here. secretlint ignores AWS's documented example
 * pair (AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) on purpose, so the scan could not be
 * tested with it (the last test shows it is ignored).
 */
function fakeSecrets() {
  return {
    awsKeyId: `AKIA${random(16, `${UPPER}234567`)}`,
    awsSecret: random(40, ALNUM),
    oldAwsSecret: random(40, ALNUM),
    privateKey: generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey,
    ghToken: `ghp_${random(36, ALNUM)}`,
    featureToken: `ghp_${random(36, ALNUM)}`,
    mergeToken: `ghp_${random(36, ALNUM)}`,
    skippedToken: `ghp_${random(36, ALNUM)}`,
  };
}
type Secrets = ReturnType<typeof fakeSecrets>;

/** Every 8-character piece of every secret (PEM lines included): none may appear in what gh2cc emits. */
function secretPieces(secrets: Secrets): string[] {
  const pieces: string[] = [];
  for (const value of Object.values(secrets)) {
    for (const part of value.split('\n').filter((l) => !l.startsWith('-----') && l.length > 0)) {
      for (let i = 0; i + 8 <= part.length; i += 1) pieces.push(part.slice(i, i + 8));
    }
  }
  return pieces;
}

function expectNoSecret(text: string, secrets: Secrets): void {
  const leaked = secretPieces(secrets).filter((p) => text.includes(p));
  expect(leaked).toEqual([]);
}

interface Fixture {
  readonly dir: string;
  readonly sha: Record<string, string>;
  readonly secrets: Secrets;
}

/**
 * A bare repository: `base` is what CodeCommit already has (a settings file with an AWS pair), then on main:
 * an AWS pair, a private key (and an edit of the old settings file), a GitHub token plus a binary and a too
 * large file holding tokens, a rename of the old settings file, and a merge of a feature branch that adds one
 * more token in the merge itself.
 */
async function buildRepo(): Promise<Fixture> {
  const secrets = fakeSecrets();
  const dir = await tempDir('gh2cc-scan-');
  await runGit(dir, ['init', '--bare', '--quiet', '--initial-branch=main']);
  const s = new FastImportStream();
  const main = 'refs/heads/main';
  const oldSettings = `region=eu-west-1\naws_secret_access_key=${secrets.oldAwsSecret}\n`;
  const marks: Record<string, number> = {};
  marks['base'] = s.commit({
    branch: main,
    message: 'base',
    files: { 'README.md': '# app\n', 'old/settings.env': oldSettings },
  });
  marks['aws'] = s.commit({
    branch: main,
    message: 'add prod config',
    files: {
      'config/prod.env': `# prod\naws_access_key_id=${secrets.awsKeyId}\naws_secret_access_key=${secrets.awsSecret}\n`,
    },
  });
  marks['key'] = s.commit({
    branch: main,
    message: 'deploy key',
    files: { 'keys/deploy.pem': secrets.privateKey, 'old/settings.env': `${oldSettings}timeout=30\n` },
  });
  marks['token'] = s.commit({
    branch: main,
    message: 'ci',
    files: {
      'scripts/ci.sh': `#!/bin/sh\nset -e\nexport GITHUB_TOKEN=${secrets.ghToken}\nmake\n`,
      'assets/logo.bin': `\0\x01PNG${secrets.skippedToken}\n`,
      'data/big.txt': `token=${secrets.skippedToken}\n${'x'.repeat(70 * 1024)}\n`,
    },
  });
  marks['rename'] = s.commit({
    branch: main,
    message: 'move settings',
    deletes: ['old/settings.env'],
    files: { 'moved/settings.env': `${oldSettings}timeout=30\n` },
  });
  marks['feature'] = s.commit({
    branch: 'refs/heads/feature',
    from: marks['key'],
    message: 'feature',
    files: { 'scripts/feature.sh': `curl -H "Authorization: token ${secrets.featureToken}"\n` },
  });
  marks['merge'] = s.commit({
    branch: main,
    message: 'merge feature',
    merge: [marks['feature']],
    files: {
      'scripts/feature.sh': `curl -H "Authorization: token ${secrets.featureToken}"\n`,
      'merge-only.txt': `GH=${secrets.mergeToken}\n`,
    },
  });
  for (const [name, mark] of Object.entries(marks)) s.ref(`refs/tags/${name}`, mark);
  await runGit(dir, ['fast-import', '--quiet'], { input: s.toString() });
  const sha: Record<string, string> = {};
  for (const name of Object.keys(marks)) {
    sha[name] = (await runGit(dir, ['rev-parse', `refs/tags/${name}`])).stdout.trim();
  }
  return { dir, sha, secrets };
}

const byKey = (a: SecretFinding, b: SecretFinding): number =>
  `${a.commit}${a.path}${a.rule}`.localeCompare(`${b.commit}${b.path}${b.rule}`);

describe('the secret scan of newly mirrored commits', () => {
  let fx: Fixture;
  let tip: string;
  const commit = (name: string): string => {
    const id = fx.sha[name];
    if (id === undefined) throw new Error(`no commit ${name} in the fixture`);
    return id;
  };
  const scan = (options: Parameters<typeof scanNewCommits>[3] = {}): Promise<SecretFinding[]> =>
    scanNewCommits(fx.dir, [tip], [commit('base')], { maxBlobBytes: 64 * 1024, ...options });

  beforeAll(async () => {
    fx = await buildRepo();
    tip = (await runGit(fx.dir, ['rev-parse', 'refs/heads/main'])).stdout.trim();
  });
  afterAll(async () => {
    await rm(fx.dir, { recursive: true, force: true });
  });

  it('reports each added secret once, by commit, path, line and rule, and nothing CodeCommit already had', async () => {
    const findings = await scan();
    expect([...findings].sort(byKey)).toEqual(
      [
        { commit: commit('aws'), path: 'config/prod.env', line: 3, rule: AWS },
        { commit: commit('key'), path: 'keys/deploy.pem', line: 1, rule: PRIVATE_KEY },
        { commit: commit('token'), path: 'scripts/ci.sh', line: 3, rule: GITHUB },
        { commit: commit('feature'), path: 'scripts/feature.sh', line: 1, rule: GITHUB },
        // The merge's own addition; scripts/feature.sh is the feature commit's, not reported twice.
        { commit: commit('merge'), path: 'merge-only.txt', line: 1, rule: GITHUB },
      ].sort(byKey),
    );
    // old/settings.env (edited, then renamed) held its key before `base`: never reported. The binary file and
    // the file over maxBlobBytes were skipped.
    expect(findings.map((f) => f.path)).not.toContain('old/settings.env');
    expect(findings.map((f) => f.path)).not.toContain('moved/settings.env');
    expect(findings.map((f) => f.path)).not.toContain('assets/logo.bin');
    expect(findings.map((f) => f.path)).not.toContain('data/big.txt');
  });

  it('publishes commit, path, line and rule only: no part of any secret in the findings or the notification', async () => {
    const findings = await scan();
    const [event, ...more] = secretDetectedNotifications({
      org: 'acme',
      repository: 'acme/app',
      target: 'acme-app',
      findings,
    });
    expect(more).toEqual([]);
    const n = buildNotification(event?.input ?? { eventType: 'drift-found', org: 'x', summary: 'missing' });
    expect(n).toMatchObject({
      eventType: 'secret-detected',
      repository: 'acme/app',
      severity: 'critical',
      details: { target: 'acme-app', findingCount: 5, findings },
    });
    expect(n.summary).toContain('aws, github, privatekey');
    expectNoSecret(JSON.stringify(findings), fx.secrets);
    expectNoSecret(JSON.stringify(n), fx.secrets);
    expectNoSecret(event?.dedupKey ?? '', fx.secrets);
  });

  it('skips files over maxBlobBytes (1 MiB by default) and binary files', async () => {
    const findings = await scanNewCommits(fx.dir, [tip], [commit('base')]);
    expect(findings).toContainEqual({ commit: commit('token'), path: 'data/big.txt', line: 1, rule: GITHUB });
    expect(findings.map((f) => f.path)).not.toContain('assets/logo.bin');
  });

  it('scans only the newest maxCommits commits and says so', async () => {
    let truncated: ScanTruncation | undefined;
    const findings = await scan({ maxCommits: 2, onTruncated: (t) => (truncated = t) });
    expect(truncated).toEqual({ reason: 'max-commits', scannedCommits: 2, newCommits: 6 });
    // Newest first: the merge, then the feature commit (committed after the rename).
    expect(findings.map((f) => f.commit).sort()).toEqual([commit('feature'), commit('merge')].sort());
  });

  it('stops at maxScanBytes, keeping the commits read in full', async () => {
    let truncated: ScanTruncation | undefined;
    // The merge (merge-only.txt) and feature commits hold ~120 bytes; the rename's settings file does not fit.
    const findings = await scan({ maxScanBytes: 200, onTruncated: (t) => (truncated = t) });
    expect(truncated).toEqual({ reason: 'max-bytes', scannedCommits: 2, newCommits: 6 });
    expect(findings.map((f) => f.path).sort()).toEqual(['merge-only.txt', 'scripts/feature.sh']);
  });

  it('finds nothing when CodeCommit has everything, and ignores ids the cache does not have', async () => {
    expect(await scanNewCommits(fx.dir, [tip], [tip, 'f'.repeat(40)])).toEqual([]);
    expect(await scanNewCommits(fx.dir, ['e'.repeat(40)], [])).toEqual([]);
  });

  it('never logs a secret, even at trace level', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: 'trace', destination });
    await scan({ log, maxCommits: 3 });
    const text = chunks.join('');
    expect(text).toContain('secret scan done');
    expect(text).toContain('limit reached');
    expectNoSecret(text, fx.secrets);
  });

  it('stops on request', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(scan({ signal: controller.signal })).rejects.toThrow(/stopped on request/);
  });

  it("leaves AWS's documented example key pair alone (secretlint ignores it)", async () => {
    const dir = await tempDir('gh2cc-scan-example-');
    try {
      await runGit(dir, ['init', '--bare', '--quiet', '--initial-branch=main']);
      const s = new FastImportStream();
      s.commit({
        branch: 'refs/heads/main',
        message: 'docs',
        files: {
          'docs/aws.md':
            'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
        },
      });
      await runGit(dir, ['fast-import', '--quiet'], { input: s.toString() });
      const head = (await runGit(dir, ['rev-parse', 'refs/heads/main'])).stdout.trim();
      expect(await scanNewCommits(dir, [head], [])).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
