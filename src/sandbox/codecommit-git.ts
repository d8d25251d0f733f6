import { timingSafeEqual } from 'node:crypto';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gitSignature } from '../codecommit/git-password.ts';
import { runGit } from '../git/git-runner.ts';
import { readRefFiles, writeHead } from '../git/ref-files.ts';
import { parseBasicAuth } from './basic-auth.ts';
import { serveGitCgi } from './git-http-backend.ts';
import { newRecordPath, takePushRecord, type RefUpdate } from './push-record.ts';
import { appendRequestLog, gitOperation, requestLogPath } from './request-log.ts';
import type { CodeCommitSandboxOptions, SandboxHandler } from './types.ts';

/** CodeCommit's limit on ref updates in one push. */
export const MAX_REF_UPDATES = 4000;
/** How long CodeCommit accepts a SigV4-derived git password. */
const PASSWORD_TTL_MS = 15 * 60 * 1000;

export interface PushLogEntry {
  readonly repo: string;
  /** When the request that carried the push arrived, and when it was answered. */
  readonly started: string;
  readonly time: string;
  readonly accepted: boolean;
  readonly refs: readonly RefUpdate[];
}

export interface CodeCommitGitOptions extends CodeCommitSandboxOptions {
  readonly hooksPath: string;
  readonly tmpDir: string;
  readonly maxRefUpdates?: number;
  /** Told of every accepted push (the repository's triggers); must return at once. */
  readonly onPush?: (repositoryName: string, updates: readonly RefUpdate[]) => void;
}

export function pushLogPath(codecommitDir: string): string {
  return join(codecommitDir, 'push-log.jsonl');
}

function parseTimestamp(ts: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(ts);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Why a git password is refused, or undefined when it is good for this repo path and host. */
export function checkGitPassword(
  options: Pick<CodeCommitSandboxOptions, 'credentials' | 'region' | 'now'>,
  username: string,
  password: string,
  host: string,
  repoPath: string,
): string | undefined {
  const [keyId, token] = username.split('%', 2);
  if (keyId !== options.credentials.accessKeyId || (token !== undefined && token !== ''))
    return 'unknown user';
  const m = /^(\d{8}T\d{6})Z([0-9a-f]{64})$/.exec(password);
  if (m === null) return 'malformed password';
  const ts = m[1] ?? '';
  const when = parseTimestamp(ts);
  if (when === undefined) return 'malformed timestamp';
  const age = (options.now?.() ?? new Date()).getTime() - when.getTime();
  if (age > PASSWORD_TTL_MS || age < -PASSWORD_TTL_MS) return 'expired password';
  const expected = gitSignature(options.credentials.secretAccessKey, options.region, host, repoPath, ts);
  return safeEqual(expected, m[2] ?? '') ? undefined : 'bad signature';
}

/**
 * CodeCommit makes the first branch pushed to an empty repository its default branch; a bare repo's HEAD
 * would otherwise keep pointing at a branch that does not exist, and clones would check out nothing.
 */
async function pointHeadAtFirstBranch(repoDir: string, updates: readonly RefUpdate[]): Promise<void> {
  // Read from the files, as the metadata API reads them: two git processes here showed in every push's latency.
  const head = /^ref: (\S+)\s*$/.exec(await readFile(join(repoDir, 'HEAD'), 'utf8'))?.[1] ?? '';
  const refs = head === '' ? new Map<string, string>() : await readRefFiles(repoDir, [head]);
  if (refs === undefined) return pointHeadWithGit(repoDir, updates);
  if (refs.has(head)) return;
  const first = firstBranch(updates);
  if (first === undefined) return;
  await writeHead(repoDir, first);
}

function firstBranch(updates: readonly RefUpdate[]): string | undefined {
  const created = updates
    .filter((u) => u.ref.startsWith('refs/heads/') && !/^0+$/.test(u.after))
    .map((u) => u.ref);
  return created.find((r) => r === 'refs/heads/main' || r === 'refs/heads/master') ?? created[0];
}

/** The same with git, for a repository whose refs are not in files (reftable). */
async function pointHeadWithGit(repoDir: string, updates: readonly RefUpdate[]): Promise<void> {
  const head = await runGit(repoDir, ['symbolic-ref', '-q', 'HEAD'], { check: false });
  const target = head.stdout.trim();
  if (
    target !== '' &&
    (await runGit(repoDir, ['rev-parse', '-q', '--verify', target], { check: false })).code === 0
  )
    return;
  const first = firstBranch(updates);
  if (first !== undefined) await runGit(repoDir, ['symbolic-ref', 'HEAD', first]);
}

/**
 * Git smart HTTP at `/v1/repos/<name>`, as CodeCommit serves it: Basic auth with the access key id and the
 * SigV4-derived password for exactly that path; 401 without credentials, 403 for wrong or expired ones;
 * a push of more than 4,000 ref updates is refused. Every push is appended to `push-log.jsonl`, and every
 * request that carried credentials to `request-log.jsonl` (as `GitPull` or `GitPush`); an accepted push is
 * handed to `onPush`.
 */
export function createCodeCommitGit(options: CodeCommitGitOptions): SandboxHandler {
  const reposDir = join(options.dir, 'repos');
  const limit = options.maxRefUpdates ?? MAX_REF_UPDATES;
  const requestLog = requestLogPath(options.dir);
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const m = /^\/v1\/repos\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (m === null) return false;
    const name = decodeURIComponent(m[1] ?? '');
    const rest = m[2] ?? '';
    const operation = gitOperation(rest, url.searchParams);
    const record = (status: number, error?: string): Promise<void> =>
      appendRequestLog(
        requestLog,
        {
          time: new Date().toISOString(),
          kind: 'git',
          operation,
          repositories: [name],
          status,
          ...(error === undefined ? {} : { error }),
        },
        options.log,
      );
    const creds = parseBasicAuth(req);
    if (creds === undefined) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="AWS CodeCommit"',
        'content-type': 'text/plain',
      });
      res.end('Authentication required\n');
      return true;
    }
    const host = req.headers.host ?? '';
    const refusal = checkGitPassword(options, creds.username, creds.password, host, `/v1/repos/${name}`);
    if (refusal !== undefined) {
      options.log.info({ repo: name, refusal }, 'sandbox codecommit git auth refused');
      await record(403, refusal);
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Forbidden\n');
      return true;
    }
    const exists = await stat(join(reposDir, `${name}.git`)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) {
      await record(404, 'RepositoryDoesNotExistException');
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`repository '${name}' not found\n`);
      return true;
    }
    const pushRecord = newRecordPath(options.tmpDir);
    const started = new Date().toISOString();
    // The push is logged (and HEAD set) before the response ends: once `git push` returns, the log has it.
    await serveGitCgi(req, res, {
      projectRoot: reposDir,
      pathInfo: `/${name}.git${rest}`,
      remoteUser: creds.username.split('%')[0] ?? 'codecommit',
      hooksPath: options.hooksPath,
      hookEnv: {
        GH2CC_PUSH_RECORD: pushRecord,
        GH2CC_MAX_REF_UPDATES: String(limit),
        GH2CC_CODECOMMIT_BRANCH_RULES: '1',
      },
      // CodeCommit has no atomic push: a client asking for one (`git push --atomic`) is refused.
      gitConfig: [['receive.advertiseAtomic', 'false']],
      log: options.log,
      beforeEnd: async (status) => {
        await record(status);
        const push = await takePushRecord(pushRecord);
        if (push === undefined) return;
        if (push.accepted) await pointHeadAtFirstBranch(join(reposDir, `${name}.git`), push.updates);
        const entry: PushLogEntry = {
          repo: name,
          started,
          time: push.updatedAt ?? new Date().toISOString(),
          accepted: push.accepted,
          refs: push.updates,
        };
        await appendFile(pushLogPath(options.dir), `${JSON.stringify(entry)}\n`);
        // Triggers fire in the background, as CodeCommit's do: the pusher never waits for them.
        if (push.accepted) options.onPush?.(name, push.updates);
      },
    });
    return true;
  };
}
