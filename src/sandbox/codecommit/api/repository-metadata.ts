import type { RepositoryRecord } from '../store.ts';
import type { ApiContext } from './context.ts';
import { repositoryDoesNotExist } from './errors.ts';
import { requireRepositoryName } from './validation.ts';

/** AWS JSON timestamps are epoch seconds, with the milliseconds as a fraction. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

export function repositoryArn(ctx: ApiContext, name: string): string {
  return `arn:${ctx.partition}:codecommit:${ctx.region}:${ctx.accountId}:${name}`;
}

function gitHost(ctx: ApiContext): string {
  const suffix = ctx.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `git-codecommit.${ctx.region}.${suffix}`;
}

/** RepositoryMetadata as the service returns it; `defaultBranch` is omitted until the repo has a branch. */
export function toRepositoryMetadata(
  ctx: ApiContext,
  record: RepositoryRecord,
  defaultBranch: string | undefined,
): Record<string, unknown> {
  const name = record.repositoryName;
  const httpBase = ctx.gitBaseUrl?.().replace(/\/+$/, '') ?? `https://${gitHost(ctx)}`;
  return {
    accountId: ctx.accountId,
    repositoryId: record.repositoryId,
    repositoryName: name,
    ...(record.description === undefined ? {} : { repositoryDescription: record.description }),
    ...(defaultBranch === undefined ? {} : { defaultBranch }),
    lastModifiedDate: epochSeconds(record.lastModifiedDate),
    creationDate: epochSeconds(record.creationDate),
    cloneUrlHttp: `${httpBase}/v1/repos/${name}`,
    cloneUrlSsh: `ssh://${gitHost(ctx)}/v1/repos/${name}`,
    Arn: repositoryArn(ctx, name),
    kmsKeyId: record.kmsKeyId,
  };
}

export async function existingRepository(ctx: ApiContext, name: string): Promise<RepositoryRecord> {
  const record = await ctx.store.get(name);
  if (record === undefined) throw repositoryDoesNotExist(name);
  return record;
}

/** A present, valid name of an existing repository, or the matching exception. */
export async function requireRepository(
  ctx: ApiContext,
  name: string | undefined,
): Promise<RepositoryRecord> {
  return existingRepository(ctx, requireRepositoryName(name));
}
