import { createServer, type AddressInfo, type Socket } from 'node:net';
import { CodeCommitClient, CreateRepositoryCommand } from '@aws-sdk/client-codecommit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { codecommitGitCredential } from '../../src/codecommit/git-password.ts';
import { gitAuthEnv, type GitAuth } from '../../src/git/git-auth.ts';
import { parseRefLines, runGit } from '../../src/git/git-runner.ts';
import { listRefsOverHttp, parseAdvertisement } from '../../src/git/http-refs.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { createLogger } from '../../src/util/logger.ts';
import { makeRepo, tempDir } from '../helpers/git.ts';

let sandbox: RunningSandbox;

function pkt(line: string): string {
  return `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
}

function auth(name: string): GitAuth {
  const cc = sandbox.info.codecommit;
  return codecommitGitCredential({ ...cc, host: new URL(cc.gitUrl).host, path: `/v1/repos/${name}` });
}

async function createRepo(name: string): Promise<string> {
  const cc = sandbox.info.codecommit;
  const client = new CodeCommitClient({ endpoint: cc.endpoint, region: cc.region, credentials: cc });
  await client.send(new CreateRepositoryCommand({ repositoryName: name }));
  return `${cc.gitUrl}/v1/repos/${name}`;
}

/** What `git ls-remote --heads --tags` says, or how it fails, classified. */
async function gitLsRemote(url: string, name: string): Promise<Map<string, string> | string> {
  const dir = await tempDir();
  try {
    const r = await runGit(dir, ['-c', 'protocol.version=0', 'ls-remote', '--heads', '--tags', url], {
      env: gitAuthEnv(auth(name)),
      what: 'ls-remote',
    });
    return parseRefLines(r.stdout);
  } catch (err) {
    return err instanceof Gh2ccError ? err.code : String(err);
  }
}

async function inProcess(url: string, a: GitAuth): Promise<Map<string, string> | string | undefined> {
  try {
    const listed = await listRefsOverHttp(url, a, 'ls-remote');
    // Compared with git's listing as a plain Map (its HEAD is checked on its own).
    return listed === undefined ? undefined : new Map(listed);
  } catch (err) {
    return err instanceof Gh2ccError ? err.code : String(err);
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({
    dir: await tempDir('gh2cc-http-refs-'),
    log: createLogger({ level: 'silent' }),
  });
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.clearFaults();
  vi.unstubAllEnvs();
});

describe('the ref advertisement read in-process', () => {
  it('parses v0 pkt-lines: service line, capabilities after a NUL, peeled tags dropped, only branches and tags', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const body = [
      pkt('# service=git-upload-pack\n'),
      '0000',
      pkt(`${a} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/main\n`),
      pkt(`${a} refs/heads/main\n`),
      pkt(`${a} refs/heads/ü-branch\n`),
      pkt(`${b} refs/tags/v1\n`),
      pkt(`${a} refs/tags/v1^{}\n`),
      pkt(`${a} refs/pull/1/head\n`),
      '0000',
    ].join('');
    const parsed = parseAdvertisement(Buffer.from(body));
    expect([...(parsed ?? [])]).toEqual([
      ['refs/heads/main', a],
      ['refs/heads/ü-branch', a],
      ['refs/tags/v1', b],
    ]);
    expect(parsed?.head).toBe('refs/heads/main');
    const empty = `${pkt('# service=git-upload-pack\n')}0000${pkt(`${'0'.repeat(40)} capabilities^{}\0agent=x\n`)}0000`;
    expect(parseAdvertisement(Buffer.from(empty))?.size).toBe(0);
    expect(parseAdvertisement(Buffer.from(empty))?.head).toBeUndefined();
    // The server's own error line stops the listing, as git stops with "remote error".
    expect(() => parseAdvertisement(Buffer.from(`${pkt('ERR access denied\n')}0000`))).toThrow(
      'remote error: access denied',
    );
    // Cut short: no closing flush, or a pkt-line longer than what arrived.
    expect(parseAdvertisement(Buffer.from(body.slice(0, -4)))).toBeUndefined();
    expect(parseAdvertisement(Buffer.from(body.slice(0, -10)))).toBeUndefined();
  });

  it("lists what git ls-remote lists on the sandbox's CodeCommit, for a full and an empty repository", async () => {
    const source = await makeRepo(4, (s, tips) => {
      s.ref('refs/heads/dev', tips[1] ?? 1);
      s.ref('refs/heads/feature/ü', tips[2] ?? 1);
      s.annotatedTag('v1', tips[0] ?? 1, 'first');
      s.ref('refs/tags/light', tips[3] ?? 1);
    });
    const url = await createRepo('http-refs-full');
    await runGit(source, ['push', '--quiet', url, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], {
      env: gitAuthEnv(auth('http-refs-full')),
    });
    const fromGit = await gitLsRemote(url, 'http-refs-full');
    expect(fromGit instanceof Map && fromGit.size).toBe(5);
    const listed = await listRefsOverHttp(url, auth('http-refs-full'), 'ls-remote');
    expect(new Map(listed)).toEqual(fromGit);
    // CodeCommit's default branch (here the first branch pushed), as git's server advertises HEAD.
    const symref = await runGit(source, ['ls-remote', '--symref', url, 'HEAD'], {
      env: gitAuthEnv(auth('http-refs-full')),
    });
    expect(symref.stdout).toContain('ref: refs/heads/main\tHEAD');
    expect(listed?.head).toBe('refs/heads/main');

    const emptyUrl = await createRepo('http-refs-empty');
    expect(await inProcess(emptyUrl, auth('http-refs-empty'))).toEqual(new Map());
    expect(await gitLsRemote(emptyUrl, 'http-refs-empty')).toEqual(new Map());
  });

  it('fails as git fails: a wrong password is auth, an unknown repository, a 5xx and a cut connection too', async () => {
    const url = await createRepo('http-refs-fail');
    const wrong = auth('some-other-repo');
    const viaGit = async (): Promise<string> => {
      const dir = await tempDir();
      const r = await runGit(dir, ['-c', 'protocol.version=0', 'ls-remote', url], {
        env: gitAuthEnv(wrong),
        what: 'ls-remote',
      }).catch((err: unknown) => err);
      return r instanceof Gh2ccError ? r.code : 'ok';
    };
    expect(await inProcess(url, wrong)).toBe('auth');
    expect(await viaGit()).toBe('auth');
    const missing = `${sandbox.info.codecommit.gitUrl}/v1/repos/no-such-repo`;
    expect(await inProcess(missing, auth('no-such-repo'))).toBe(await gitLsRemote(missing, 'no-such-repo'));
    sandbox.setFaults([{ side: 'codecommit', kind: 'server-error', match: { git: true }, count: 2 }]);
    expect(await inProcess(url, auth('http-refs-fail'))).toBe('server');
    expect(await gitLsRemote(url, 'http-refs-fail')).toBe('server');
    sandbox.setFaults([{ side: 'codecommit', kind: 'reset', match: { git: true }, count: 2 }]);
    expect(await inProcess(url, auth('http-refs-fail'))).toBe('network');
    expect(await gitLsRemote(url, 'http-refs-fail')).toBe('network');
    sandbox.setFaults([{ side: 'codecommit', kind: 'throttle', match: { git: true }, count: 2 }]);
    expect(await inProcess(url, auth('http-refs-fail'))).toBe('throttled');
    expect(await gitLsRemote(url, 'http-refs-fail')).toBe('throttled');
  });

  it.each(['silent', 'trickle'] as const)(
    "ends at git's low-speed limit against a %s server, naming the cause",
    async (kind) => {
      const sockets: Socket[] = [];
      const server = createServer((socket) => {
        sockets.push(socket);
        socket.on('error', () => undefined);
        if (kind === 'trickle') {
          // A reply that starts well and never finishes: a byte every 200 ms, under 1,000 bytes a second.
          const reply = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n';
          let i = 0;
          const timer = setInterval(() => socket.write(reply[i++ % reply.length] ?? ' '), 200);
          socket.on('close', () => clearInterval(timer));
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      try {
        const err = await listRefsOverHttp(`http://127.0.0.1:${port}/v1/repos/x`, auth('x'), 'ls-remote', {
          network: { lowSpeedLimit: 1000, lowSpeedTimeMs: 1000 },
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Gh2ccError);
        expect(String((err as Error).message)).toMatch(
          new RegExp(`127\\.0\\.0\\.1:${port}.*Operation too slow. Less than 1000 bytes/sec`),
        );
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
      }
    },
  );

  it('leaves the listing to git with a proxy in the environment, without credentials, or for an ssh URL', async () => {
    const url = await createRepo('http-refs-git');
    expect(await inProcess(url, undefined as unknown as GitAuth)).toBeUndefined();
    expect(
      await inProcess('ssh://KEY@git-codecommit.us-east-1.amazonaws.com/v1/repos/x', auth('x')),
    ).toBeUndefined();
    vi.stubEnv('HTTPS_PROXY', 'http://proxy.invalid:3128');
    expect(await inProcess(url, auth('http-refs-git'))).toBeUndefined();
  });
});
