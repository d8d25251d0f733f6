import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { parseBasicAuth } from './basic-auth.ts';
import { serveGitCgi } from './git-http-backend.ts';
import { pushDeliveries, sendDeliveries, type WebhookTarget } from './github-webhooks.ts';
import { newRecordPath, takePushRecord } from './push-record.ts';
import type { GithubSandboxOptions, SandboxHandler } from './types.ts';

export interface GithubGitOptions extends GithubSandboxOptions {
  readonly hooksPath: string;
  readonly tmpDir: string;
  readonly webhook?: () => WebhookTarget | undefined;
}

function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Git smart HTTP at `/<owner>/<repo>.git`, authenticated as GitHub does: HTTP Basic with the token as the
 * password (`x-access-token:<token>`). Pushes to `refs/pull/*` are refused like GitHub's hidden refs, and an
 * accepted push sends signed webhooks.
 */
export function createGithubGit(options: GithubGitOptions): SandboxHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const m =
      /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*))$/.exec(
        url.pathname,
      );
    if (m === null) return false;
    const owner = decodeURIComponent(m[1] ?? '');
    const repo = decodeURIComponent(m[2] ?? '');
    const rest = m[3] ?? '';
    const creds = parseBasicAuth(req);
    if (
      creds === undefined ||
      !(options.tokens?.accepts(creds.password) ?? tokenMatches(options.token, creds.password))
    ) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' });
      res.end(creds === undefined ? 'Authentication required\n' : 'Invalid username or token.\n');
      return true;
    }
    const repoDir = join(options.dir, owner, `${repo}.git`);
    const exists = await stat(repoDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Repository not found.\n');
      return true;
    }
    const record = newRecordPath(options.tmpDir);
    await serveGitCgi(req, res, {
      projectRoot: options.dir,
      pathInfo: `/${owner}/${repo}.git${rest}`,
      remoteUser: creds.username === '' ? 'x-access-token' : creds.username,
      hooksPath: options.hooksPath,
      hookEnv: { GH2CC_PUSH_RECORD: record, GH2CC_DENY_REFS: 'refs/pull/' },
      log: options.log,
    });
    const push = await takePushRecord(record);
    const target = options.webhook?.();
    if (push?.accepted === true && target !== undefined) {
      const deliveries = await pushDeliveries({
        owner,
        repo,
        repoDir,
        baseUrl: options.baseUrl(),
        pusher: 'sandbox-admin',
        updates: push.updates,
      });
      // Delivered after the push has answered, as GitHub does: the pusher never waits for webhooks.
      void sendDeliveries(target, deliveries);
    }
    return true;
  };
}
