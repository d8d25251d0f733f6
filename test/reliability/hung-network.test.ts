import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { tempDir } from '../helpers/git.ts';
import { eventually, gh2cc, type RunningProcess } from '../helpers/processes.ts';
import { seedOrg } from '../helpers/seed-org.ts';

interface TcpTrap {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A server that accepts every connection and then never answers (`trickle`: writes one byte a second and
 * never finishes), the two ways a network hangs a client that has no timeouts.
 */
async function tcpTrap(kind: 'black-hole' | 'trickle'): Promise<TcpTrap> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (kind === 'trickle') {
      const reply = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n';
      let i = 0;
      const timer = setInterval(() => socket.write(reply[i++ % reply.length] ?? ' '), 1000);
      timers.add(timer);
      socket.on('close', () => clearInterval(timer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The sandbox's GitHub API, except that every repository's `clone_url` points at `gitUrl`. */
async function rewritingProxy(apiBase: string, htmlBase: string, gitUrl: string): Promise<TcpTrap> {
  const server: HttpServer = createHttpServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host') headers[k] = v;
      const upstream = await fetch(`${apiBase}${(req.url ?? '/').replace(/^\/api\/v3/, '')}`, {
        method: req.method ?? 'GET',
        headers,
      });
      const body = (await upstream.text()).replaceAll(`"clone_url":"${htmlBase}`, `"clone_url":"${gitUrl}`);
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      });
      res.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v3`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Processes whose command line contains `text` (pgrep -f), without this test's own pgrep. */
function processesMatching(text: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-a', '-f', text], (_err, stdout) =>
      resolve(
        stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .filter((l) => !/\bpgrep\b/.test(l)),
      ),
    );
  });
}

/** Exit code and seconds from start to exit; fails the test when the process outlives `boundMs`. */
async function exitWithin(p: RunningProcess, boundMs: number): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const timer = setTimeout(() => p.child.kill('SIGKILL'), boundMs);
  const code = await p.exited;
  clearTimeout(timer);
  const ms = Date.now() - started;
  expect(ms, `still running after ${boundMs} ms; stderr:\n${p.stderr()}`).toBeLessThan(boundMs);
  return { code, ms };
}

describe('migrate against hung and slow networks', () => {
  let sandbox: RunningSandbox;
  let work: string;
  let env: Record<string, string>;
  const traps: TcpTrap[] = [];

  async function trap(kind: 'black-hole' | 'trickle'): Promise<TcpTrap> {
    const t = await tcpTrap(kind);
    traps.push(t);
    return t;
  }

  /** The sandbox's GitHub API with every clone_url pointing at `gitUrl`; closed with the traps. */
  async function githubWithCloneUrl(gitUrl: string): Promise<TcpTrap> {
    const api = sandbox.info.github.apiUrl;
    const proxy = await rewritingProxy(api, api.replace(/\/api\/v3$/, ''), gitUrl);
    traps.push(proxy);
    return proxy;
  }

  function migrate(extra: Record<string, string>, name: string): RunningProcess {
    return gh2cc(
      ['migrate', '--org', 'acme', '--log-file', join(work, `${name}.log`)],
      { ...env, GH2CC_CACHE_DIR: join(work, `cache-${name}`), ...extra },
      work,
    );
  }

  beforeAll(async () => {
    work = await tempDir('gh2cc-hung-');
    sandbox = await startSandbox({ dir: join(work, 'sandbox'), log: createLogger({ level: 'silent' }) });
    await seedOrg(sandbox.githubDir, 'acme', [{ name: 'api', commits: 3, tags: 1 }]);
    // One attempt per step: the bound under test is the configured timeout, not the retry policy's backoff.
    env = { ...sandbox.info.env, GH2CC_RETRIES: '0' };
  });

  afterAll(async () => {
    await Promise.all(traps.map((t) => t.close()));
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  });

  it('a GitHub API that never answers ends the run after github.timeout, naming the endpoint', async () => {
    const hole = await trap('black-hole');
    const run = migrate({ GITHUB_API_URL: `${hole.url}/api/v3`, GH2CC_GITHUB_TIMEOUT: '2s' }, 'gh-hole');
    const { code } = await exitWithin(run, 15_000);
    expect(code).not.toBe(0);
    expect(run.stderr()).toMatch(
      new RegExp(`GitHub API at ${hole.url}/api/v3 did not answer within 2 s; check .*GH2CC_GITHUB_TIMEOUT`),
    );
  });

  it('a GitHub API that trickles one byte a second ends the run after github.timeout', async () => {
    const slow = await trap('trickle');
    const run = migrate({ GITHUB_API_URL: `${slow.url}/api/v3`, GH2CC_GITHUB_TIMEOUT: '2s' }, 'gh-trickle');
    const { code } = await exitWithin(run, 15_000);
    expect(code).not.toBe(0);
    expect(run.stderr()).toContain(`GitHub API at ${slow.url}/api/v3 did not answer within 2 s`);
  });

  it('a CodeCommit endpoint that never answers ends the run after aws.timeout, naming the endpoint', async () => {
    const hole = await trap('black-hole');
    const run = migrate({ AWS_ENDPOINT_URL_CODECOMMIT: hole.url, GH2CC_AWS_TIMEOUT: '2s' }, 'cc-hole');
    const { code } = await exitWithin(run, 15_000);
    expect(code).not.toBe(0);
    expect(run.stderr()).toMatch(
      new RegExp(`CodeCommit API at ${hole.url} did not answer within 2 s; check .*GH2CC_AWS_TIMEOUT`),
    );
  });

  it('a CodeCommit endpoint that trickles one byte a second ends the run after aws.timeout', async () => {
    const slow = await trap('trickle');
    const run = migrate({ AWS_ENDPOINT_URL_CODECOMMIT: slow.url, GH2CC_AWS_TIMEOUT: '2s' }, 'cc-trickle');
    const { code } = await exitWithin(run, 15_000);
    expect(code).not.toBe(0);
    expect(run.stderr()).toContain(`CodeCommit API at ${slow.url} did not answer within 2 s`);
  });

  it.each(['black-hole', 'trickle'] as const)(
    'a CodeCommit git endpoint (%s) fails the repository after mirror.gitLowSpeedTime',
    async (kind) => {
      const hole = await trap(kind);
      const run = migrate(
        { GH2CC_CODECOMMIT_GIT_URL: hole.url, GH2CC_GIT_LOW_SPEED_TIME: '2s' },
        `git-${kind}`,
      );
      const { code } = await exitWithin(run, 20_000);
      expect(code).toBe(1);
      expect(`${run.stdout()}\n${run.stderr()}`).toContain(hole.url.replace('http://', ''));
    },
  );

  it.each(['black-hole', 'trickle'] as const)(
    'a GitHub git endpoint (%s) fails the repository after mirror.gitLowSpeedTime, naming it',
    async (kind) => {
      const t = await trap(kind);
      const gitUrl = `${t.url}/gh-${kind}`;
      const proxy = await githubWithCloneUrl(gitUrl);
      const run = migrate({ GITHUB_API_URL: proxy.url, GH2CC_GIT_LOW_SPEED_TIME: '2s' }, `gh-git-${kind}`);
      const { code } = await exitWithin(run, 20_000);
      expect(code).toBe(1);
      expect(`${run.stdout()}\n${run.stderr()}`).toContain(t.url.replace('http://', ''));
      expect(await processesMatching(gitUrl)).toEqual([]);
    },
  );

  it.each([
    ['GitHub API', (url: string) => ({ GITHUB_API_URL: `${url}/api/v3` })],
    ['CodeCommit API', (url: string) => ({ AWS_ENDPOINT_URL_CODECOMMIT: url })],
  ])(
    'SIGTERM while planning against a silent %s exits at once with the interrupted code',
    async (_, point) => {
      const hole = await trap('black-hole');
      const run = migrate(point(hole.url), `plan-sigterm-${traps.length}`);
      await eventually(() => run.stderr().includes('Planning'), 10_000, 'planning to start');
      await new Promise((r) => setTimeout(r, 500)); // the inventory request is in flight by now
      run.child.kill('SIGTERM');
      const { code } = await exitWithin(run, 5_000);
      expect(code).toBe(130);
      expect(run.stderr()).toContain('nothing was changed');
    },
  );

  it('SIGINT during `gh2cc verify` on a hung GitHub git endpoint exits and leaves no git process behind', async () => {
    // verify looks only at repositories already on CodeCommit.
    const migrated = migrate({}, 'before-verify');
    expect(await migrated.exited, migrated.stderr()).toBe(0);
    const hole = await trap('black-hole');
    const gitUrl = `${hole.url}/verify-${Date.now()}`;
    const proxy = await githubWithCloneUrl(gitUrl);
    const run = gh2cc(
      ['verify', '--org', 'acme', '--log-file', join(work, 'verify-sigint.log')],
      { ...env, GITHUB_API_URL: proxy.url, GH2CC_CACHE_DIR: join(work, 'cache-verify-sigint') },
      work,
    );
    await eventually(
      async () => (await processesMatching(gitUrl)).some((l) => /remote-http/.test(l)),
      20_000,
      'git-remote-http to hang on the black hole',
    );
    run.child.kill('SIGINT');
    const { code } = await exitWithin(run, 10_000);
    expect(code).toBe(130);
    await new Promise((r) => setTimeout(r, 300));
    expect(await processesMatching(gitUrl)).toEqual([]);
  });

  it('SIGINT during a hung git fetch exits and leaves no git process of the run behind', async () => {
    const hole = await trap('black-hole');
    // A path no other process has on its command line: pgrep finds exactly this run's git processes.
    const gitUrl = `${hole.url}/hung-${Date.now()}`;
    const proxy = await githubWithCloneUrl(gitUrl);
    const run = migrate({ GITHUB_API_URL: proxy.url }, 'git-sigint');
    // git and its git-remote-http helper both carry the URL.
    await eventually(
      async () => (await processesMatching(gitUrl)).some((l) => /git-remote-http|remote-http/.test(l)),
      20_000,
      'git-remote-http to hang on the black hole',
    );
    run.child.kill('SIGINT');
    const { code } = await exitWithin(run, 10_000);
    expect(code).not.toBe(0);
    expect(await processesMatching(gitUrl)).toEqual([]);
  });
});
