import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CodeCommitClient,
  GetRepositoryCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-codecommit';
import { stringify } from 'yaml';
import { gitEnv } from '../../src/git/git-env.ts';
import { runGit } from '../../src/git/git-runner.ts';
import type { SandboxInfo } from '../../src/sandbox/start-sandbox.ts';
import { gitWithHelper, lsRemote } from './git.ts';

const GH2CC_HELPER = `!node ${join(process.cwd(), 'bin/gh2cc.js')} git-credential`;

/** What `gh2cc git-credential` needs to answer for the sandbox CodeCommit: its keys, nothing of the user's. */
function gh2ccHelperEnv(sandbox: SandboxInfo): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: sandbox.codecommit.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.codecommit.secretAccessKey,
    AWS_REGION: sandbox.codecommit.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...sandbox.env,
  };
}

/** One commit on `branch` of a sandbox GitHub repo, written straight into its bare repository (no webhook). */
export async function commitOnGithub(
  githubDir: string,
  owner: string,
  repo: string,
  message: string,
  branch = 'main',
): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'gh2cc-work-'));
  try {
    const env = gitEnv({
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    });
    await runGit(work, ['clone', '--quiet', '--branch', branch, join(githubDir, owner, `${repo}.git`), 'w'], {
      env,
    });
    const dir = join(work, 'w');
    await writeFile(join(dir, `change-${Date.now()}-${Math.random()}.txt`), `${message}\n`);
    await runGit(dir, ['add', '-A'], { env });
    await runGit(dir, ['commit', '--quiet', '-m', message], { env });
    await runGit(dir, ['push', '--quiet', 'origin', branch], { env });
    return (await runGit(dir, ['rev-parse', 'HEAD'], { env })).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Branches and tags of the sandbox GitHub repo and of its CodeCommit mirror (ls-remote with plain git). gh2cc's
 * backup branches (`refs/heads/gh2cc-backup/…`, outside what is mirrored) come apart, in `backups`.
 */
export async function bothSides(
  sandbox: SandboxInfo,
  githubDir: string,
  owner: string,
  repo: string,
  target: string,
): Promise<{
  github: Map<string, string>;
  codecommit: Map<string, string> | undefined;
  backups: Map<string, string>;
}> {
  const isBackup = (r: string): boolean => r.startsWith('refs/heads/gh2cc-backup/');
  const filter = (m: Map<string, string>): Map<string, string> =>
    new Map(
      [...m].filter(([r]) => (r.startsWith('refs/heads/') || r.startsWith('refs/tags/')) && !isBackup(r)),
    );
  const github = filter(await lsRemote(process.cwd(), join(githubDir, owner, `${repo}.git`)));
  const awsEnv = gh2ccHelperEnv(sandbox);
  const listed = await lsRemote(
    process.cwd(),
    `${sandbox.codecommit.gitUrl}/v1/repos/${target}`,
    GH2CC_HELPER,
    awsEnv,
  ).catch(() => undefined);
  return {
    github,
    codecommit: listed === undefined ? undefined : filter(listed),
    backups: new Map([...(listed ?? new Map<string, string>())].filter(([r]) => isBackup(r))),
  };
}

/** A push straight to the sandbox CodeCommit (someone working there, outside gh2cc), with plain git. */
export async function pushToCodecommit(
  sandbox: SandboxInfo,
  from: string,
  target: string,
  refspec: string,
): Promise<void> {
  const env = gh2ccHelperEnv(sandbox);
  const r = await gitWithHelper(
    from,
    GH2CC_HELPER,
    ['push', `${sandbox.codecommit.gitUrl}/v1/repos/${target}`, refspec],
    env,
  );
  if (r.code !== 0) throw new Error(`push to CodeCommit failed: ${r.stderr}`);
}

export function sameRefs(
  a: ReadonlyMap<string, string>,
  b: ReadonlyMap<string, string> | undefined,
): boolean {
  return b !== undefined && a.size === b.size && [...a].every(([ref, sha]) => b.get(ref) === sha);
}

export function codecommitClient(sandbox: SandboxInfo): CodeCommitClient {
  return new CodeCommitClient({
    endpoint: sandbox.codecommit.endpoint,
    region: sandbox.codecommit.region,
    credentials: {
      accessKeyId: sandbox.codecommit.accessKeyId,
      secretAccessKey: sandbox.codecommit.secretAccessKey,
    },
  });
}

/** A CodeCommit repository's tags, or undefined when it does not exist. */
export async function codecommitTags(
  client: CodeCommitClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const repo = await client.send(new GetRepositoryCommand({ repositoryName: name }));
    const tags = await client.send(
      new ListTagsForResourceCommand({ resourceArn: repo.repositoryMetadata?.Arn ?? '' }),
    );
    return tags.tags ?? {};
  } catch {
    return undefined;
  }
}

/** Writes the sandbox owner file (`<githubDir>/<owner>.yaml`): repo metadata such as archived and a fixed id. */
export async function writeOwnerFile(
  githubDir: string,
  owner: string,
  repos: Record<string, Record<string, unknown>>,
): Promise<void> {
  await writeFile(join(githubDir, `${owner}.yaml`), stringify({ repos }));
}

/** Plain `git fetch` from a sandbox CodeCommit repository into `into` (the way a user restores a backup). */
export async function fetchFromCodecommit(
  sandbox: SandboxInfo,
  into: string,
  target: string,
  refspec: string,
): Promise<void> {
  const r = await gitWithHelper(
    into,
    GH2CC_HELPER,
    ['fetch', `${sandbox.codecommit.gitUrl}/v1/repos/${target}`, refspec],
    gh2ccHelperEnv(sandbox),
  );
  if (r.code !== 0) throw new Error(`fetch from CodeCommit failed: ${r.stderr}`);
}
