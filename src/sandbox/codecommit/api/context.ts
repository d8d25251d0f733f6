import type { CodeCommitStore } from '../store.ts';
import type { ApiInput } from './input.ts';

/** What every operation needs: the store, the identity of this "account+region", and the tunable limits. */
export interface ApiContext {
  readonly store: CodeCommitStore;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly now: () => Date;
  readonly listRepositoriesPageSize: number;
  readonly listBranchesPageSize: number;
  readonly repositoryLimit: number;
  readonly defaultKmsKeyId: string;
  /** Base of `cloneUrlHttp` when the sandbox should advertise its own git endpoint. */
  readonly gitBaseUrl: (() => string) | undefined;
}

/** One JSON 1.1 operation: validated input in, output structure out, `CodeCommitApiError` for failures. */
export type Operation = (ctx: ApiContext, input: ApiInput) => Promise<Record<string, unknown>>;
