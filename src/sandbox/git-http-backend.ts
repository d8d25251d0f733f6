import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { gitEnv, withGitConfig } from '../git/git-env.ts';

export interface GitCgiRequest {
  /** Folder holding the bare repos (GIT_PROJECT_ROOT). */
  readonly projectRoot: string;
  /** Path below the root, e.g. `/org/repo.git/info/refs`. */
  readonly pathInfo: string;
  readonly remoteUser: string;
  /** Folder whose pre-receive / post-receive hooks run for every push. */
  readonly hooksPath?: string;
  /** Extra environment for the hooks (e.g. where to write the push record). */
  readonly hookEnv?: Record<string, string>;
  /** More git settings for this service (`-c` style, after the defaults). */
  readonly gitConfig?: ReadonlyArray<readonly [string, string]>;
  /**
   * Runs after git finished and before the response ends, with the status git answered: what the client may
   * rely on once it returns.
   */
  readonly beforeEnd?: (status: number) => Promise<void>;
  readonly log: Logger;
}

/**
 * Serves one git smart-HTTP request through `git http-backend` as a CGI program. Bodies stream both ways
 * (a large push is never held in memory); gzip request bodies are passed through for git to inflate.
 */
export function serveGitCgi(req: IncomingMessage, res: ServerResponse, cgi: GitCgiRequest): Promise<number> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  let env = gitEnv({
    GIT_PROJECT_ROOT: cgi.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: cgi.pathInfo,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'],
    CONTENT_LENGTH: req.headers['content-length'],
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
    HTTP_GIT_PROTOCOL: req.headers['git-protocol'] as string | undefined,
    REMOTE_USER: cgi.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    ...cgi.hookEnv,
  });
  const settings: [string, string][] = [
    ['http.receivepack', 'true'],
    ['receive.denyDeletes', 'false'],
    ['receive.denyNonFastForwards', 'false'],
    ['uploadpack.allowAnySHA1InWant', 'true'],
  ];
  if (cgi.hooksPath !== undefined) settings.push(['core.hooksPath', cgi.hooksPath]);
  for (const [k, v] of cgi.gitConfig ?? []) settings.push([k, v]);
  env = withGitConfig(env, settings);

  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let headerBuf = Buffer.alloc(0);
    let headersDone = false;
    let status = 200;
    const stderr: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => stderr.push(b));

    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      headerBuf = Buffer.concat([headerBuf, chunk]);
      let end = headerBuf.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (end < 0) {
        end = headerBuf.indexOf('\n\n');
        sepLen = 2;
      }
      if (end < 0) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      for (const line of headerBuf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const idx = line.indexOf(':');
        if (idx <= 0) continue;
        const name = line.slice(0, idx).trim();
        const value = line.slice(idx + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      const rest = headerBuf.subarray(end + sepLen);
      if (rest.length > 0) res.write(rest);
    });

    child.on('close', (code) => {
      if (!headersDone) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        status = 500;
      }
      if (code !== 0) {
        cgi.log.warn(
          { code, stderr: Buffer.concat(stderr).toString('utf8').slice(0, 2000) },
          'git http-backend failed',
        );
      }
      const finish = (): void => {
        res.end();
        resolve(status);
      };
      if (cgi.beforeEnd === undefined) finish();
      else
        cgi.beforeEnd(status).then(finish, (err: unknown) => {
          cgi.log.error({ err }, 'sandbox could not record the push');
          finish();
        });
    });
    child.on('error', (err) => {
      cgi.log.error({ err }, 'could not start git http-backend');
    });
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);
    res.on('close', () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
  });
}
