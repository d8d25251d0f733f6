import {
  BatchGetRepositoriesCommand,
  CreateRepositoryCommand,
  GetRepositoryCommand,
  ListBranchesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDefaultBranchCommand,
  UpdateRepositoryDescriptionCommand,
  type CodeCommitClient,
  type RepositoryMetadata,
} from '@aws-sdk/client-codecommit';
import { ownedBy, repoDescription, repoTags, TOPIC_TAG_PREFIX } from '../core/repo-tags.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import { Gh2ccError } from '../util/errors.ts';
import { awsErrorName as errorName, classifyAwsError } from './classify-aws-error.ts';

export interface EnsureResult {
  readonly created: boolean;
  readonly arn: string;
  readonly notes: readonly string[];
}

/** `abortSignal` for the SDK's send: Ctrl-C cancels the request in flight. */
type Abortable = { abortSignal?: AbortSignal };

function abortable(signal: AbortSignal | undefined): Abortable {
  return signal === undefined ? {} : { abortSignal: signal };
}

/** A repository's metadata; undefined when it does not exist. */
export async function repositoryMetadata(
  client: CodeCommitClient,
  name: string,
  signal?: AbortSignal,
): Promise<RepositoryMetadata | undefined> {
  try {
    const out = await client.send(new GetRepositoryCommand({ repositoryName: name }), abortable(signal));
    return out.repositoryMetadata;
  } catch (err) {
    if (errorName(err) === 'RepositoryDoesNotExistException') return undefined;
    throw classifyAwsError(err, `GetRepository ${name}`);
  }
}

/** A repository's tags (one call). */
export async function repositoryTags(
  client: CodeCommitClient,
  arn: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const out = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }), abortable(signal));
  return out.tags ?? {};
}

async function hasBranches(client: CodeCommitClient, name: string, signal?: AbortSignal): Promise<boolean> {
  const out = await client.send(new ListBranchesCommand({ repositoryName: name }), abortable(signal));
  return (out.branches ?? []).length > 0;
}

export type Ownership = 'absent' | 'ours' | 'adoptable' | 'foreign';

/** CodeCommit answers BatchGetRepositories for at most this many names per call. */
const BATCH_GET_MAX = 100;

/** The metadata of those of `names` that exist in CodeCommit, 100 per call instead of one call each. */
export async function repositoriesMetadata(
  client: CodeCommitClient,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, RepositoryMetadata>> {
  const found = new Map<string, RepositoryMetadata>();
  for (let i = 0; i < names.length; i += BATCH_GET_MAX) {
    try {
      const out = await client.send(
        new BatchGetRepositoriesCommand({ repositoryNames: names.slice(i, i + BATCH_GET_MAX) }),
        abortable(signal),
      );
      for (const r of out.repositories ?? [])
        if (r.repositoryName !== undefined) found.set(r.repositoryName, r);
    } catch (err) {
      throw classifyAwsError(err, 'BatchGetRepositories');
    }
  }
  return found;
}

/** Which of `names` exist in CodeCommit. */
export async function existingRepositories(
  client: CodeCommitClient,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  return new Set((await repositoriesMetadata(client, names, signal)).keys());
}

/** Whether gh2cc may write to an existing CodeCommit repository for this source. */
export async function ownership(
  client: CodeCommitClient,
  name: string,
  repo: SourceRepo,
  signal?: AbortSignal,
): Promise<Ownership> {
  const meta = await repositoryMetadata(client, name, signal);
  if (meta?.Arn === undefined) return 'absent';
  try {
    if (ownedBy(await repositoryTags(client, meta.Arn, signal), repo)) return 'ours';
    return (await hasBranches(client, name, signal)) ? 'foreign' : 'adoptable';
  } catch (err) {
    throw classifyAwsError(err, `inspect ${name}`);
  }
}

/**
 * Creates the CodeCommit repository with description, tags and KMS key, or adopts an existing one when it is
 * empty or already carries gh2cc's provenance tag for this source; any other existing repo is an error.
 */
export async function ensureRepository(
  client: CodeCommitClient,
  name: string,
  repo: SourceRepo,
  options: { kmsKeyId?: string; likelyAbsent?: boolean; retried?: boolean } = {},
): Promise<EnsureResult> {
  const { tags, notes: tagNotes } = repoTags(repo);
  const { description, note } = repoDescription(repo);
  const notes = [...tagNotes, ...(note === undefined ? [] : [note])];
  try {
    // When the plan saw no such repository, create straight away (one call); CodeCommit answers
    // RepositoryNameExistsException if someone made it since, and the adoption checks below run.
    const existing = options.likelyAbsent === true ? undefined : await repositoryMetadata(client, name);
    if (existing?.Arn === undefined) {
      try {
        const out = await client.send(
          new CreateRepositoryCommand({
            repositoryName: name,
            repositoryDescription: description,
            tags,
            ...(options.kmsKeyId === undefined ? {} : { kmsKeyId: options.kmsKeyId }),
          }),
        );
        return { created: true, arn: out.repositoryMetadata?.Arn ?? '', notes };
      } catch (err) {
        // Another worker may have created it a moment ago: fall through to adoption checks.
        if (errorName(err) !== 'RepositoryNameExistsException' || options.retried === true) throw err;
        return await ensureRepository(client, name, repo, { ...options, likelyAbsent: false, retried: true });
      }
    }
    const arn = existing.Arn;
    const current = await repositoryTags(client, arn);
    if (!ownedBy(current, repo) && (await hasBranches(client, name))) {
      throw new Gh2ccError(
        'conflict',
        `CodeCommit repository ${name} already exists, has branches, and was not created by gh2cc for ${repo.fullName}`,
        {
          retryable: false,
          fix: `map ${repo.name} to another name (migrate.renames) or remove the existing repository`,
        },
      );
    }
    const changed = Object.fromEntries(Object.entries(tags).filter(([k, v]) => current[k] !== v));
    if (Object.keys(changed).length > 0)
      await client.send(new TagResourceCommand({ resourceArn: arn, tags: changed }));
    // A topic removed on GitHub: its tag goes too (only gh2cc's topic tags; any other tag is someone else's).
    const stale = Object.keys(current).filter((k) => k.startsWith(TOPIC_TAG_PREFIX) && !(k in tags));
    if (stale.length > 0) await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: stale }));
    if ((existing.repositoryDescription ?? '') !== description) {
      await client.send(
        new UpdateRepositoryDescriptionCommand({ repositoryName: name, repositoryDescription: description }),
      );
    }
    return { created: false, arn, notes };
  } catch (err) {
    if (err instanceof Gh2ccError) throw err;
    throw classifyAwsError(err, `ensure CodeCommit repository ${name}`);
  }
}

/** Points the default branch at GitHub's, when CodeCommit has it and differs. */
export async function setDefaultBranch(
  client: CodeCommitClient,
  name: string,
  branch: string,
  options: { justCreated?: boolean } = {},
): Promise<boolean> {
  try {
    // A repository created in this run is set outright (one call) rather than read first.
    if (options.justCreated === true) {
      await client.send(new UpdateDefaultBranchCommand({ repositoryName: name, defaultBranchName: branch }));
      return true;
    }
    const meta = await repositoryMetadata(client, name);
    if (meta === undefined || meta.defaultBranch === branch) return false;
    await client.send(new UpdateDefaultBranchCommand({ repositoryName: name, defaultBranchName: branch }));
    return true;
  } catch (err) {
    throw classifyAwsError(err, `set default branch of ${name}`);
  }
}
