import type { ApiContext, Operation } from './context.ts';
import { apiError, repositoryDoesNotExist } from './errors.ts';
import { stringListMember, stringMapMember, stringMember } from './input.ts';
import { requireRepository } from './repository-metadata.ts';
import {
  MAX_TAGS_PER_RESOURCE,
  checkTagKeys,
  checkTags,
  isValidRepositoryName,
  parseArn,
} from './validation.ts';

/** The repository name in a CodeCommit repository ARN of this account and region. */
function repositoryFromArn(ctx: ApiContext, arn: string | undefined): string {
  if (arn === undefined || arn === '') throw apiError('ResourceArnRequiredException');
  const parsed = parseArn(arn);
  if (
    parsed === undefined ||
    parsed.partition !== ctx.partition ||
    parsed.service !== 'codecommit' ||
    parsed.region === '' ||
    parsed.accountId === '' ||
    parsed.resource.includes(':') ||
    parsed.resource.includes('/')
  ) {
    throw apiError('InvalidResourceArnException');
  }
  if (!isValidRepositoryName(parsed.resource)) throw apiError('InvalidRepositoryNameException');
  // Seen from this account and region, a repository elsewhere simply does not exist.
  if (parsed.region !== ctx.region || parsed.accountId !== ctx.accountId) {
    throw repositoryDoesNotExist(parsed.resource);
  }
  return parsed.resource;
}

export const tagResource: Operation = async (ctx, input) => {
  const name = repositoryFromArn(ctx, stringMember(input, 'resourceArn'));
  const tags = stringMapMember(input, 'tags');
  if (tags === undefined || tags.length === 0) throw apiError('TagsMapRequiredException');
  checkTags(tags);
  await ctx.store.transact((tx) => {
    const record = tx.get(name);
    if (record === undefined) throw repositoryDoesNotExist(name);
    const merged = new Map(Object.entries(record.tags));
    for (const [key, value] of tags) merged.set(key, value);
    if (merged.size > MAX_TAGS_PER_RESOURCE) throw apiError('TooManyTagsException');
    tx.put({ ...record, tags: Object.fromEntries(merged) });
  });
  return {};
};

export const untagResource: Operation = async (ctx, input) => {
  const name = repositoryFromArn(ctx, stringMember(input, 'resourceArn'));
  const keys = stringListMember(input, 'tagKeys');
  if (keys === undefined || keys.length === 0) throw apiError('TagKeysListRequiredException');
  checkTagKeys(keys);
  await ctx.store.transact((tx) => {
    const record = tx.get(name);
    if (record === undefined) throw repositoryDoesNotExist(name);
    const remaining = new Map(Object.entries(record.tags));
    for (const key of keys) remaining.delete(key);
    tx.put({ ...record, tags: Object.fromEntries(remaining) });
  });
  return {};
};

export const listTagsForResource: Operation = async (ctx, input) => {
  const record = await requireRepository(ctx, repositoryFromArn(ctx, stringMember(input, 'resourceArn')));
  // At most 50 tags per resource fit in one reply, so there is never a next page.
  return { tags: { ...record.tags } };
};
