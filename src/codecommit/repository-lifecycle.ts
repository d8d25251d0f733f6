import {
  TagResourceCommand,
  GetRepositoryCommand,
  UpdateRepositoryNameCommand,
  type CodeCommitClient,
} from '@aws-sdk/client-codecommit';
import { repoTags } from '../core/repo-tags.ts';
import type { SourceRepo } from '../core/repo-filter.ts';
import { awsErrorName, classifyAwsError } from './classify-aws-error.ts';

/** Tags set on a repository whose mirroring stopped; the repository and its data are kept. */
export const TAG_MIRROR_STOPPED = 'gh2cc:mirror-stopped';
export const TAG_STOPPED_REASON = 'gh2cc:stopped-reason';

async function arnOf(client: CodeCommitClient, name: string): Promise<string | undefined> {
  try {
    const out = await client.send(new GetRepositoryCommand({ repositoryName: name }));
    return out.repositoryMetadata?.Arn;
  } catch (err) {
    if (awsErrorName(err) === 'RepositoryDoesNotExistException') return undefined;
    throw classifyAwsError(err, `GetRepository ${name}`);
  }
}

/** Whether CodeCommit has a repository of this name (a permission or network error is thrown, not guessed). */
export async function repositoryExists(client: CodeCommitClient, name: string): Promise<boolean> {
  return (await arnOf(client, name)) !== undefined;
}

/**
 * Follows a GitHub rename: the CodeCommit repository takes its new name (when that differs and is free) and
 * its provenance tags name the new source, so the ownership check keeps recognising it. Returns the name the
 * repository has afterwards. Safe to repeat: a rename already done is found done.
 */
export async function followRename(
  client: CodeCommitClient,
  from: string,
  to: string,
  source: SourceRepo,
): Promise<{ name: string; note?: string }> {
  let name = from;
  let note: string | undefined;
  if (from !== to) {
    if ((await arnOf(client, to)) !== undefined) {
      // With the old name gone too, this is a retry of a rename that was done before its state moved (a crash
      // in between): the repository is already `to`. (The next sync's ensure checks it is gh2cc's.)
      if ((await arnOf(client, from)) === undefined) name = to;
      else note = `kept CodeCommit name ${from}: ${to} already exists`;
    } else {
      try {
        await client.send(new UpdateRepositoryNameCommand({ oldName: from, newName: to }));
        name = to;
      } catch (err) {
        if (awsErrorName(err) !== 'RepositoryDoesNotExistException')
          throw classifyAwsError(err, `rename ${from} to ${to}`);
        name = to; // nothing to rename: the sync creates it under the new name
      }
    }
  }
  const arn = await arnOf(client, name);
  if (arn !== undefined) {
    try {
      await client.send(new TagResourceCommand({ resourceArn: arn, tags: repoTags(source).tags }));
    } catch (err) {
      throw classifyAwsError(err, `tag ${name}`);
    }
  }
  return note === undefined ? { name } : { name, note };
}

/** Marks a repository whose source is gone: tagged with when and why; nothing is deleted. */
export async function tagMirrorStopped(
  client: CodeCommitClient,
  name: string,
  why: string,
  now: Date,
): Promise<boolean> {
  const arn = await arnOf(client, name);
  if (arn === undefined) return false;
  try {
    await client.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: {
          [TAG_MIRROR_STOPPED]: now.toISOString(),
          [TAG_STOPPED_REASON]: why.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, ' ').slice(0, 256),
        },
      }),
    );
  } catch (err) {
    throw classifyAwsError(err, `tag ${name}`);
  }
  return true;
}
