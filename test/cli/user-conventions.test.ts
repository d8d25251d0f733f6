import { readdir, readFile, stat } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SANDBOX_ADMIN_LOGIN, writeOwnerFile } from '../../src/sandbox/github/index.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { gh2cc } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';
import { selfSignedCert } from '../helpers/self-signed.ts';

let work: string;
let sandbox: RunningSandbox;
/** The sandbox's AWS side only: each test says how GitHub is reached. */
let aws: Record<string, string>;

/** Every file under `dir` (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function run(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = gh2cc(args, env, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

beforeAll(async () => {
  work = await tempDir('gh2cc-conventions-');
  sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
  await seedOrg(sandbox.githubDir, 'acme', [
    { name: 'api', commits: 3 },
    { name: 'web', commits: 2 },
  ]);
  // The token's own user, and someone else; each with a public and a private repository.
  for (const [login, repos] of [
    [SANDBOX_ADMIN_LOGIN, { notes: 'public', diary: 'private' }],
    ['otto', { shared: 'public', secret: 'private' }],
  ] as const) {
    await seedOrg(
      sandbox.githubDir,
      login,
      Object.keys(repos).map((name) => ({ name, commits: 1 })),
    );
    await writeOwnerFile(sandbox.githubDir, login, {
      type: 'User',
      repos: Object.fromEntries(Object.entries(repos).map(([name, visibility]) => [name, { visibility }])),
    });
  }
  const { GITHUB_API_URL: _api, GITHUB_TOKEN: _token, ...rest } = sandbox.info.env;
  aws = rest;
});

afterAll(async () => {
  await sandbox.close();
});

describe('GitHub Enterprise Server the way the gh CLI names it', () => {
  let front: TlsServer;
  let host: string;
  let caFile: string;
  let connections = 0;

  // The sandbox behind HTTPS with a certificate of its own CA, as an Enterprise Server on a corporate CA.
  beforeAll(async () => {
    const { keyFile, certFile } = selfSignedCert(work);
    caFile = certFile;
    const port = Number(new URL(sandbox.info.github.apiUrl).port);
    front = createTlsServer({ key: await readFile(keyFile), cert: await readFile(caFile) }, (socket) => {
      connections += 1;
      const upstream = connect(port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => front.close(() => resolve()));
  });

  it('GH_HOST and GH_ENTERPRISE_TOKEN reach https://HOST/api/v3 (its CA from NODE_EXTRA_CA_CERTS); a github.com token is never sent there', async ({
    expect,
  }) => {
    const cwd = await tempDir('gh2cc-ghe-');
    const env = {
      ...aws,
      GH_HOST: host,
      NODE_EXTRA_CA_CERTS: caFile,
      GITHUB_TOKEN: sandbox.info.github.token,
    };
    const refused = await run(['migrate', '--org', 'acme', '--dry-run'], env, cwd);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/github\.token: required .*GH_ENTERPRISE_TOKEN/);
    expect(connections).toBe(0);

    const ok = await run(
      ['migrate', '--org', 'acme', '--dry-run'],
      { ...env, GITHUB_TOKEN: 'ghp_aGithubDotComToken000', GH_ENTERPRISE_TOKEN: sandbox.info.github.token },
      cwd,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`Planning the migration of acme from https://${host}/api/v3`);
    expect(ok.stdout).toContain('acme/api');
    expect(connections).toBeGreaterThan(0);
  });
});

describe('--user', () => {
  const github = (): Record<string, string> => ({
    ...aws,
    GITHUB_API_URL: sandbox.info.github.apiUrl,
    GITHUB_TOKEN: sandbox.info.github.token,
  });

  it("of the token's own user lists its private repositories too; of anyone else, the public ones", async ({
    expect,
  }) => {
    const cwd = await tempDir('gh2cc-user-');
    const [own, other] = await Promise.all([
      run(['migrate', '--user', SANDBOX_ADMIN_LOGIN, '--dry-run', '--json'], github(), cwd),
      run(['migrate', '--user', 'otto', '--dry-run', '--json'], github(), cwd),
    ]);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain(`${SANDBOX_ADMIN_LOGIN}/diary`);
    expect(own.stdout).toContain(`${SANDBOX_ADMIN_LOGIN}/notes`);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain('otto/shared');
    expect(other.stdout).not.toContain('otto/secret');
  });
});

describe('per-user state', () => {
  const github = (): Record<string, string> => ({
    ...aws,
    GITHUB_API_URL: sandbox.info.github.apiUrl,
    GITHUB_TOKEN: sandbox.info.github.token,
  });

  it('a migrate without --cache-dir keeps its cache and log in ~/.local/state/gh2cc, nothing in the working folder', async ({
    expect,
  }) => {
    const [home, cwd] = await Promise.all([tempDir('gh2cc-home-'), tempDir('gh2cc-cwd-')]);
    const r = await run(
      ['migrate', '--org', 'acme', '--yes'],
      { ...github(), HOME: home, XDG_STATE_HOME: '' },
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(cwd)).toEqual([]);
    const state = join(home, '.local', 'state', 'gh2cc');
    expect((await stat(join(state, 'cache', 'acme', 'api.git'))).isDirectory()).toBe(true);
    const logs = await filesUnder(join(state, 'logs'));
    expect(logs).toEqual([expect.stringMatching(/\/migrate-[^/]+\.log$/)]);
    expect((await stat(logs[0] ?? '')).size).toBeGreaterThan(0);
  });

  it('a run that fails on its configuration leaves no log file, empty or not', async ({ expect }) => {
    const [home, cwd] = await Promise.all([tempDir('gh2cc-home-'), tempDir('gh2cc-cwd-')]);
    const env = { ...aws, GITHUB_API_URL: sandbox.info.github.apiUrl, HOME: home, XDG_STATE_HOME: '' };
    const [byDefault, named] = await Promise.all([
      run(['migrate', '--org', 'acme'], env, cwd),
      run(['verify', '--org', 'acme', '--log-file', join(cwd, 'verify.log')], env, cwd),
    ]);
    for (const r of [byDefault, named]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/github\.token: required/);
    }
    expect(await filesUnder(cwd)).toEqual([]);
    expect(await filesUnder(home)).toEqual([]);
  });
});
