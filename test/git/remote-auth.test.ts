// git's credentials go with its first request to the remote (one round trip and two shell processes fewer per
// fetch, push and listing), and a server that refuses them still fails the command as an authentication error.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAuthEnv } from '../../src/git/git-auth.ts';
import { runGit } from '../../src/git/git-runner.ts';
import { remoteEnv } from '../../src/git/transport.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers/git.ts';

const AUTH = { username: 'x-access-token', password: 'ghs_remoteAuthTestToken0123456789' };
const BASIC = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`;

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A git HTTP server that refuses everything (401, Basic), recording each request's Authorization header. */
async function refusingServer(): Promise<{ url: string; seen: (string | undefined)[] }> {
  const seen: (string | undefined)[] = [];
  server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    seen.push(headers.authorization);
    res.writeHead(401, { 'www-authenticate': 'Basic realm="test"', 'content-type': 'text/plain' });
    res.end('Authentication required\n');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/org/repo.git`, seen };
}

async function lsRemote(url: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    await runGit(await tempDir(), ['ls-remote', '--heads', url], { env, what: 'ls-remote' });
    return 'listed';
  } catch (err) {
    return err instanceof Gh2ccError ? err.code : String(err);
  }
}

describe('credentials for a git remote', () => {
  it('go with the first request to the remote, and a refusal is still an authentication failure', async () => {
    const { url, seen } = await refusingServer();
    expect(await lsRemote(url, remoteEnv(url, AUTH, undefined))).toBe('auth');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toBe(BASIC);
    expect(seen.filter((h) => h === undefined)).toEqual([]);
  });

  it('without the remote named, git asks without them first (the round trip the header saves)', async () => {
    const { url, seen } = await refusingServer();
    expect(await lsRemote(url, gitAuthEnv(AUTH))).toBe('auth');
    expect(seen[0]).toBeUndefined();
    expect(seen).toContain(BASIC);
  });

  it('are not sent ahead to a URL other than the remote named', async () => {
    const { url, seen } = await refusingServer();
    const env = remoteEnv(url.replace('/org/repo.git', '/other/repo.git'), AUTH, undefined);
    expect(await lsRemote(url, env)).toBe('auth');
    expect(seen[0]).toBeUndefined();
  });
});
