import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox, type SandboxInfo } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { lsRemote, tempDir } from '../helpers/git.ts';
import { eventually, gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

const log = createLogger({ level: 'silent' });
const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A sandbox listening on every interface with one small repository, as a container runs it. */
async function wildcardSandbox(publicHost?: string): Promise<RunningSandbox> {
  const dir = await tempDir('gh2cc-public-host-');
  await seedOrg(join(dir, 'github'), 'acme', [{ name: 'api', commits: 2 }]);
  const sandbox = await startSandbox({
    dir,
    host: '0.0.0.0',
    ...(publicHost === undefined ? {} : { publicHost }),
    log,
  });
  running.push(sandbox);
  return sandbox;
}

/** What a client of the sandbox is told: the repository's `clone_url` and a new CodeCommit repo's `cloneUrlHttp`. */
async function advertised(info: SandboxInfo): Promise<{ cloneUrl: string; ccCloneUrl: string }> {
  const res = await fetch(`${info.github.apiUrl}/orgs/acme/repos`, {
    headers: { authorization: `token ${info.github.token}` },
  });
  expect(res.status).toBe(200);
  const [repo] = (await res.json()) as { clone_url: string }[];
  const client = new CodeCommitClient({
    endpoint: info.codecommit.endpoint,
    region: info.codecommit.region,
    credentials: {
      accessKeyId: info.codecommit.accessKeyId,
      secretAccessKey: info.codecommit.secretAccessKey,
    },
  });
  const created = await client.send(new CreateRepositoryCommand({ repositoryName: 'api' }));
  client.destroy();
  return { cloneUrl: repo?.clone_url ?? '', ccCloneUrl: created.repositoryMetadata?.cloneUrlHttp ?? '' };
}

describe('the URLs the sandbox advertises', () => {
  it('name --public-host, not the listen address, and a client can clone from them', async () => {
    const sandbox = await wildcardSandbox('localhost');
    const { info } = sandbox;
    for (const url of [info.github.apiUrl, info.codecommit.endpoint, info.codecommit.gitUrl]) {
      expect(url).toMatch(/^http:\/\/localhost:\d+/);
    }
    expect(info.env['GITHUB_API_URL']).toBe(info.github.apiUrl);
    expect(info.env['GH2CC_CODECOMMIT_GIT_URL']).toBe(info.codecommit.gitUrl);

    const { cloneUrl, ccCloneUrl } = await advertised(info);
    expect(cloneUrl).toMatch(/^http:\/\/localhost:\d+\/acme\/api\.git$/);
    expect(ccCloneUrl).toBe(`${info.codecommit.gitUrl}/v1/repos/api`);
    const helper = `!f() { echo username=x-access-token; echo password=${info.github.token}; }; f`;
    const refs = await lsRemote(sandbox.dir, cloneUrl, helper);
    expect([...refs.keys()]).toContain('refs/heads/main');
  });

  it('name loopback, never 0.0.0.0, when the sandbox listens on every interface without --public-host', async () => {
    const { info } = await wildcardSandbox();
    const { cloneUrl, ccCloneUrl } = await advertised(info);
    for (const url of [info.github.apiUrl, info.codecommit.endpoint, cloneUrl, ccCloneUrl]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
  });
});

describe('gh2cc sandbox --write-env (as a process)', () => {
  it("writes the printed environment as a mode-600 env file that Node's own env-file parser reads back whole", async () => {
    const dir = await tempDir('gh2cc-sbx-env-');
    const envFile = join(dir, 'gh2cc.env');
    // GH2CC_SANDBOX_PUBLIC_HOST is how the compose file names the host; the flag would do the same.
    const proc = gh2cc(
      ['sandbox', '--dir', join(dir, 's'), '--host', '0.0.0.0', '--write-env', envFile],
      { GH2CC_SANDBOX_PUBLIC_HOST: 'localhost' },
      dir,
    );
    try {
      await eventually(
        () => {
          if (proc.child.exitCode !== null) throw new Error(`gh2cc sandbox exited: ${proc.stderr()}`);
          return proc.stdout().includes('\n');
        },
        30_000,
        'the JSON line',
      );
      const info = JSON.parse(proc.stdout().trim()) as SandboxInfo;
      expect(info.github.apiUrl).toMatch(/^http:\/\/localhost:\d+\/api\/v3$/);
      expect(parseEnv(await readFile(envFile, 'utf8'))).toEqual(info.env);
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
  });
});
