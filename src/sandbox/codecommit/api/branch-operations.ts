import type { Operation } from './context.ts';
import { apiError, repositoryDoesNotExist } from './errors.ts';
import { stringMember } from './input.ts';
import { compareUtf8, decodeToken, encodeToken } from './pagination.ts';
import { requireRepository } from './repository-metadata.ts';
import { requireBranchName, requireRepositoryName } from './validation.ts';

export const getBranch: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  const branchName = requireBranchName(stringMember(input, 'branchName'));
  await requireRepository(ctx, name);
  const commitId = await ctx.store.branchCommit(name, branchName);
  if (commitId === undefined) throw apiError('BranchDoesNotExistException');
  return { branch: { branchName, commitId } };
};

export const listBranches: Operation = async (ctx, input) => {
  const repository = await requireRepository(ctx, stringMember(input, 'repositoryName'));
  const token = stringMember(input, 'nextToken');
  let after: string | undefined;
  if (token !== undefined) {
    const payload = decodeToken(token);
    if (typeof payload.b !== 'string') throw apiError('InvalidContinuationTokenException');
    after = payload.b;
  }
  const names = (await ctx.store.listBranches(repository.repositoryName))
    .map((b) => b.name)
    .sort(compareUtf8);
  const remaining = after === undefined ? names : names.filter((n) => compareUtf8(n, after) > 0);
  const page = remaining.slice(0, ctx.listBranchesPageSize);
  const last = page.at(-1);
  return {
    branches: page,
    ...(remaining.length > page.length && last !== undefined ? { nextToken: encodeToken({ b: last }) } : {}),
  };
};

export const updateDefaultBranch: Operation = async (ctx, input) => {
  const name = requireRepositoryName(stringMember(input, 'repositoryName'));
  const branchName = requireBranchName(stringMember(input, 'defaultBranchName'));
  await requireRepository(ctx, name);
  if ((await ctx.store.branchCommit(name, branchName)) === undefined) {
    throw apiError('BranchDoesNotExistException');
  }
  await ctx.store.transact(async (tx) => {
    const record = tx.get(name);
    if (record === undefined) throw repositoryDoesNotExist(name);
    tx.put({ ...record, defaultBranch: branchName, lastModifiedDate: ctx.now().getTime() });
    // HEAD follows the default branch so that `git clone` checks it out, as it does from CodeCommit.
    await ctx.store.setHead(name, branchName);
  });
  return {};
};
