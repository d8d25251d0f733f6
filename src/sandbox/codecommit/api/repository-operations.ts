import { randomUUID } from 'node:crypto';
import type { RepositoryRecord } from '../store.ts';
import type { Operation } from './context.ts';
import { apiError, repositoryDoesNotExist, repositoryNameExists } from './errors.ts';
import { stringListMember, stringMapMember, stringMember } from './input.ts';
import { decodeToken, encodeToken } from './pagination.ts';
import { existingRepository, toRepositoryMetadata } from './repository-metadata.ts';
import {
  checkDescription,
  checkKmsKeyId,
  checkTags,
  isValidRepositoryName,
  requireRepositoryName,
} from './validation.ts';

/** BatchGetRepositories accepts at most this many names per call. */
export const MAX_BATCH_GET_REPOSITORIES = 100;

export const createRepository: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  const description = stringMember(input, 'repositoryDescription');
  checkDescription(description);
  const kmsKeyId = stringMember(input, 'kmsKeyId');
  checkKmsKeyId(kmsKeyId);
  const tags = stringMapMember(input, 'tags') ?? [];
  checkTags(tags);

  const record = await ctx.store.transact(async (tx) => {
    if (tx.get(name) !== undefined) throw repositoryNameExists(name);
    if (tx.list().length >= ctx.repositoryLimit) {
      throw apiError('RepositoryLimitExceededException');
    }
    const now = ctx.now().getTime();
    const created: RepositoryRecord = {
      repositoryName: name,
      repositoryId: randomUUID(),
      ...(description === undefined ? {} : { description }),
      creationDate: now,
      lastModifiedDate: now,
      tags: Object.fromEntries(tags),
      triggers: [],
      triggersConfigurationId: randomUUID(),
      kmsKeyId: kmsKeyId ?? ctx.defaultKmsKeyId,
    };
    await tx.create(created);
    return created;
  });
  return { repositoryMetadata: toRepositoryMetadata(ctx, record, undefined) };
};

export const getRepository: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  const record = await existingRepository(ctx, name);
  const defaultBranch = await ctx.store.defaultBranch(name);
  return { repositoryMetadata: toRepositoryMetadata(ctx, record, defaultBranch) };
};

export const batchGetRepositories: Operation = async (ctx, input) => {
  const names = stringListMember(input, 'repositoryNames');
  if (names === undefined) throw apiError('RepositoryNamesRequiredException');
  if (names.length > MAX_BATCH_GET_REPOSITORIES) throw apiError('MaximumRepositoryNamesExceededException');
  for (const name of names) {
    if (!isValidRepositoryName(name)) throw apiError('InvalidRepositoryNameException');
  }
  const repositories: Array<Record<string, unknown>> = [];
  const repositoriesNotFound: string[] = [];
  const errors: Array<Record<string, unknown>> = [];
  for (const name of new Set(names)) {
    const record = await ctx.store.get(name);
    if (record === undefined) {
      repositoriesNotFound.push(name);
      errors.push({
        repositoryName: name,
        errorCode: 'RepositoryDoesNotExistException',
        errorMessage: repositoryDoesNotExist(name).message,
      });
      continue;
    }
    repositories.push(toRepositoryMetadata(ctx, record, await ctx.store.defaultBranch(name)));
  }
  return { repositories, repositoriesNotFound, errors };
};

type SortBy = 'repositoryName' | 'lastModifiedDate';
type Order = 'ascending' | 'descending';
type SortKey = readonly [number, string];

function sortKey(record: RepositoryRecord, sortBy: SortBy): SortKey {
  return [sortBy === 'lastModifiedDate' ? record.lastModifiedDate : 0, record.repositoryName];
}

function compareKeys(a: SortKey, b: SortKey, order: Order): number {
  const byFirst = a[0] - b[0];
  const cmp = byFirst !== 0 ? byFirst : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  return order === 'ascending' ? cmp : -cmp;
}

function isSortKey(value: unknown): value is SortKey {
  return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string';
}

export const listRepositories: Operation = async (ctx, input) => {
  const sortByInput = stringMember(input, 'sortBy');
  const orderInput = stringMember(input, 'order');
  if (sortByInput !== undefined && sortByInput !== 'repositoryName' && sortByInput !== 'lastModifiedDate') {
    throw apiError('InvalidSortByException');
  }
  if (orderInput !== undefined && orderInput !== 'ascending' && orderInput !== 'descending') {
    throw apiError('InvalidOrderException');
  }
  const sortBy: SortBy = sortByInput ?? 'repositoryName';
  const order: Order = orderInput ?? 'ascending';
  const token = stringMember(input, 'nextToken');
  let after: SortKey | undefined;
  if (token !== undefined) {
    const payload = decodeToken(token);
    // A token only makes sense for the listing that produced it.
    if (payload.s !== sortBy || payload.o !== order || !isSortKey(payload.k)) {
      throw apiError('InvalidContinuationTokenException');
    }
    after = payload.k;
  }
  const sorted = (await ctx.store.list())
    .map((record) => ({ record, key: sortKey(record, sortBy) }))
    .sort((a, b) => compareKeys(a.key, b.key, order));
  const remaining = after === undefined ? sorted : sorted.filter((e) => compareKeys(e.key, after, order) > 0);
  const page = remaining.slice(0, ctx.listRepositoriesPageSize);
  const last = page.at(-1);
  return {
    repositories: page.map((e) => ({
      repositoryName: e.record.repositoryName,
      repositoryId: e.record.repositoryId,
    })),
    ...(remaining.length > page.length && last !== undefined
      ? { nextToken: encodeToken({ s: sortBy, o: order, k: last.key }) }
      : {}),
  };
};

export const deleteRepository: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  // Deleting a repository that is already gone is not an error: the reply just has no id.
  const removed = await ctx.store.transact((tx) => tx.remove(name));
  return removed === undefined ? {} : { repositoryId: removed.repositoryId };
};

export const updateRepositoryName: Operation = async (ctx, input) => {
  const oldName = requireRepositoryName(stringMember(input, 'oldName'));
  const newName = requireRepositoryName(stringMember(input, 'newName'));
  await ctx.store.transact(async (tx) => {
    if (tx.get(oldName) === undefined) throw repositoryDoesNotExist(oldName);
    if (tx.get(newName) !== undefined) throw repositoryNameExists(newName);
    await tx.rename(oldName, newName, ctx.now().getTime());
  });
  return {};
};

export const updateRepositoryDescription: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  const description = stringMember(input, 'repositoryDescription');
  checkDescription(description);
  await ctx.store.transact((tx) => {
    const record = tx.get(name);
    if (record === undefined) throw repositoryDoesNotExist(name);
    // An absent description clears the old one.
    const { description: _old, ...rest } = record;
    tx.put({
      ...rest,
      ...(description === undefined ? {} : { description }),
      lastModifiedDate: ctx.now().getTime(),
    });
  });
  return {};
};
