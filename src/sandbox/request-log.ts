import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * One request the sandbox's CodeCommit answered, as CloudTrail records CodeCommit events: what was done, to
 * which repositories, and how it ended. `operation` is the API operation or, for git over HTTPS, `GitPull` /
 * `GitPush`; in CodeCommit each is also the name of the IAM action it needs (`codecommit:<operation>`), which
 * is what `gh2cc iam self-policy` is checked against.
 */
export interface CodeCommitRequestRecord {
  /** When the answer was sent. */
  readonly time: string;
  readonly kind: 'api' | 'git';
  readonly operation: string;
  /** Repositories the request named (BatchGetRepositories: each; UpdateRepositoryName: old and new); empty for account-wide calls. */
  readonly repositories: readonly string[];
  readonly status: number;
  /** The exception name of a refused request. */
  readonly error?: string;
}

export function requestLogPath(codecommitDir: string): string {
  return join(codecommitDir, 'request-log.jsonl');
}

/**
 * Appends one record. A failure to write is logged and swallowed: the request itself was served, and a
 * sandbox that stops answering because its log disk is full would hide the problem being rehearsed.
 */
export async function appendRequestLog(
  path: string,
  record: CodeCommitRequestRecord,
  log: Logger,
): Promise<void> {
  try {
    await appendFile(path, `${JSON.stringify(record)}\n`);
  } catch (err) {
    log.warn({ err, path }, 'sandbox could not write the request log');
  }
}

export async function readRequestLog(path: string): Promise<CodeCommitRequestRecord[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as CodeCommitRequestRecord);
}

/** The repository named by a CodeCommit ARN (`arn:aws:codecommit:REGION:ACCOUNT:NAME`). */
function repositoryOfArn(arn: string): string | undefined {
  const m = /^arn:[a-z-]+:codecommit:[a-z0-9-]*:\d{12}:([^:/]+)$/.exec(arn);
  return m?.[1];
}

/** Repository names in a JSON API request body, by the members CodeCommit operations use for them. */
export function repositoriesInRequest(input: Readonly<Record<string, unknown>>): string[] {
  const names: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') names.push(value);
  };
  add(input['repositoryName']);
  add(input['oldName']);
  add(input['newName']);
  const list = input['repositoryNames'];
  if (Array.isArray(list)) for (const name of list) add(name);
  if (typeof input['resourceArn'] === 'string') add(repositoryOfArn(input['resourceArn']));
  return [...new Set(names)];
}

/** The IAM action a git smart-HTTP request needs: only receive-pack writes. */
export function gitOperation(pathRest: string, query: URLSearchParams): 'GitPull' | 'GitPush' {
  return pathRest === '/git-receive-pack' || query.get('service') === 'git-receive-pack'
    ? 'GitPush'
    : 'GitPull';
}
