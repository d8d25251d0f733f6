import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { readBody, sendJson } from '../../../util/http-body.ts';
import { appendRequestLog, repositoriesInRequest, requestLogPath } from '../../request-log.ts';
import { sigV4RequestFrom, verifySigV4Request } from '../../sigv4/verify-request.ts';
import type { CodeCommitSandboxOptions, SandboxHandler } from '../../types.ts';
import { openCodeCommitStore, type CodeCommitStore } from '../store.ts';
import { getBranch, listBranches, updateDefaultBranch } from './branch-operations.ts';
import type { ApiContext, Operation } from './context.ts';
import { CodeCommitApiError } from './errors.ts';
import { parseInput } from './input.ts';
import {
  batchGetRepositories,
  createRepository,
  deleteRepository,
  getRepository,
  listRepositories,
  updateRepositoryDescription,
  updateRepositoryName,
} from './repository-operations.ts';
import { listTagsForResource, tagResource, untagResource } from './tag-operations.ts';
import { getRepositoryTriggers, putRepositoryTriggers } from './trigger-operations.ts';
import { partitionOf } from './validation.ts';

export const TARGET_PREFIX = 'CodeCommit_20150413.';
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The real service pages ListRepositories by 1,000 (documented on `nextToken`). */
export const DEFAULT_LIST_REPOSITORIES_PAGE_SIZE = 1000;
/** ListBranches page size of the real service is not documented; 100 keeps clients honest about paging. */
export const DEFAULT_LIST_BRANCHES_PAGE_SIZE = 100;
/** Repositories per account and region (the long-standing default quota). */
export const DEFAULT_REPOSITORY_LIMIT = 1000;
/** What a repository created without `kmsKeyId` reports: the AWS managed key for CodeCommit. */
export const DEFAULT_KMS_KEY_ID = 'alias/aws/codecommit';
/** JSON API bodies are small; this only guards the sandbox against a runaway client. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface CodeCommitApiOptions extends CodeCommitSandboxOptions {
  /** Page size of ListRepositories; default {@link DEFAULT_LIST_REPOSITORIES_PAGE_SIZE}. */
  readonly listRepositoriesPageSize?: number;
  /** Page size of ListBranches; default {@link DEFAULT_LIST_BRANCHES_PAGE_SIZE}. */
  readonly listBranchesPageSize?: number;
  /** Repository quota; CreateRepository beyond it fails with RepositoryLimitExceededException. */
  readonly repositoryLimit?: number;
  /**
   * Base URL put in `cloneUrlHttp` (e.g. the sandbox's own `http://127.0.0.1:PORT`). Unset, the URL is the
   * real service's `https://git-codecommit.REGION.amazonaws.com/v1/repos/NAME`.
   */
  readonly gitBaseUrl?: () => string;
  /** The state to serve, when it is shared with the git side; by default opened from `dir`. */
  readonly store?: CodeCommitStore;
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  BatchGetRepositories: batchGetRepositories,
  CreateRepository: createRepository,
  DeleteRepository: deleteRepository,
  GetBranch: getBranch,
  GetRepository: getRepository,
  GetRepositoryTriggers: getRepositoryTriggers,
  ListBranches: listBranches,
  ListRepositories: listRepositories,
  ListTagsForResource: listTagsForResource,
  PutRepositoryTriggers: putRepositoryTriggers,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateDefaultBranch: updateDefaultBranch,
  UpdateRepositoryDescription: updateRepositoryDescription,
  UpdateRepositoryName: updateRepositoryName,
};

/**
 * Operations the real API has but the sandbox does not: answered with a clear "not implemented" instead
 * of UnknownOperationException, which would wrongly suggest a client bug.
 */
const MODEL_OPERATIONS = new Set([
  'AssociateApprovalRuleTemplateWithRepository',
  'BatchAssociateApprovalRuleTemplateWithRepositories',
  'BatchDescribeMergeConflicts',
  'BatchDisassociateApprovalRuleTemplateFromRepositories',
  'BatchGetCommits',
  'CreateApprovalRuleTemplate',
  'CreateBranch',
  'CreateCommit',
  'CreatePullRequest',
  'CreatePullRequestApprovalRule',
  'CreateUnreferencedMergeCommit',
  'DeleteApprovalRuleTemplate',
  'DeleteBranch',
  'DeleteCommentContent',
  'DeleteFile',
  'DeletePullRequestApprovalRule',
  'DescribeMergeConflicts',
  'DescribePullRequestEvents',
  'DisassociateApprovalRuleTemplateFromRepository',
  'EvaluatePullRequestApprovalRules',
  'GetApprovalRuleTemplate',
  'GetBlob',
  // Newer than the botocore model on this machine, present in the JS SDK.
  'GetBlobDifferences',
  'GetComment',
  'GetCommentReactions',
  'GetCommentsForComparedCommit',
  'GetCommentsForPullRequest',
  'GetCommit',
  'GetDifferences',
  'GetFile',
  'GetFolder',
  'GetMergeCommit',
  'GetMergeConflicts',
  'GetMergeOptions',
  'GetPullRequest',
  'GetPullRequestApprovalStates',
  'GetPullRequestOverrideState',
  'ListApprovalRuleTemplates',
  'ListAssociatedApprovalRuleTemplatesForRepository',
  'ListFileCommitHistory',
  'ListPullRequests',
  'ListRepositoriesForApprovalRuleTemplate',
  'MergeBranchesByFastForward',
  'MergeBranchesBySquash',
  'MergeBranchesByThreeWay',
  'MergePullRequestByFastForward',
  'MergePullRequestBySquash',
  'MergePullRequestByThreeWay',
  'OverridePullRequestApprovalRules',
  'PostCommentForComparedCommit',
  'PostCommentForPullRequest',
  'PostCommentReply',
  'PutCommentReaction',
  'PutFile',
  'TestRepositoryTriggers',
  'UpdateApprovalRuleTemplateContent',
  'UpdateApprovalRuleTemplateDescription',
  'UpdateApprovalRuleTemplateName',
  'UpdateComment',
  'UpdatePullRequestApprovalRuleContent',
  'UpdatePullRequestApprovalState',
  'UpdatePullRequestDescription',
  'UpdatePullRequestStatus',
  'UpdatePullRequestTitle',
  'UpdateRepositoryEncryptionKey',
]);

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${option} must be a positive integer, got ${value}`);
  return value;
}

/**
 * The CodeCommit JSON 1.1 API (`POST /` with `X-Amz-Target: CodeCommit_20150413.<Operation>`), SigV4
 * authenticated, backed by bare repositories in `${dir}/repos` and metadata in `${dir}/state.json`. Every
 * answered request is appended to `${dir}/request-log.jsonl` before the answer goes out.
 * Returns false for any other request so the git handler can serve it.
 */
export function createCodeCommitApi(options: CodeCommitApiOptions): SandboxHandler {
  const now = options.now ?? (() => new Date());
  const defaultKmsKeyId = DEFAULT_KMS_KEY_ID;
  const ctx: ApiContext = {
    store: options.store ?? openCodeCommitStore({ dir: options.dir, log: options.log, defaultKmsKeyId }),
    region: options.region,
    accountId: options.accountId,
    partition: partitionOf(options.region),
    now,
    listRepositoriesPageSize: positive(
      options.listRepositoriesPageSize,
      DEFAULT_LIST_REPOSITORIES_PAGE_SIZE,
      'listRepositoriesPageSize',
    ),
    listBranchesPageSize: positive(
      options.listBranchesPageSize,
      DEFAULT_LIST_BRANCHES_PAGE_SIZE,
      'listBranchesPageSize',
    ),
    repositoryLimit: positive(options.repositoryLimit, DEFAULT_REPOSITORY_LIMIT, 'repositoryLimit'),
    defaultKmsKeyId,
    gitBaseUrl: options.gitBaseUrl,
  };

  const requestLog = requestLogPath(options.dir);

  function reply(
    res: ServerResponse,
    requestId: string,
    status: number,
    body: unknown,
    errorType?: string,
  ): void {
    sendJson(res, status, body, {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      // Clients correct their clock from this header, so it must come from the same clock that judges
      // signature expiry.
      date: now().toUTCString(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    });
  }

  function replyError(
    res: ServerResponse,
    requestId: string,
    status: number,
    name: string,
    message: string,
  ): void {
    reply(res, requestId, status, { __type: name, message }, name);
  }

  /** Logged before the answer is sent: once a client has its answer, the log has the request. */
  async function record(
    operation: string,
    body: Buffer | undefined,
    status: number,
    error?: string,
  ): Promise<void> {
    let repositories: string[] = [];
    try {
      if (body !== undefined) repositories = repositoriesInRequest(parseInput(body));
    } catch {
      // an unparseable body names no repository
    }
    await appendRequestLog(
      requestLog,
      {
        time: now().toISOString(),
        kind: 'api',
        operation,
        repositories,
        status,
        ...(error === undefined ? {} : { error }),
      },
      options.log,
    );
  }

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const target = req.headers['x-amz-target'];
    if (
      req.method !== 'POST' ||
      path !== '/' ||
      typeof target !== 'string' ||
      !target.startsWith(TARGET_PREFIX)
    ) {
      return false;
    }
    const operation = target.slice(TARGET_PREFIX.length);
    const requestId = randomUUID();
    const log = options.log.child({ requestId, operation });

    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      log.warn({ err }, 'request body rejected');
      await record(operation, undefined, 413, 'RequestEntityTooLargeException');
      replyError(res, requestId, 413, 'RequestEntityTooLargeException', 'Request body is too large.');
      return true;
    }

    const auth = verifySigV4Request(sigV4RequestFrom(req, body), {
      region: options.region,
      service: 'codecommit',
      credentials: [options.credentials],
      now: now(),
    });
    if (!auth.ok) {
      log.info({ error: auth.error.name }, 'request authentication failed');
      await record(operation, body, auth.error.statusCode, auth.error.name);
      replyError(res, requestId, auth.error.statusCode, auth.error.name, auth.error.message);
      return true;
    }

    const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    try {
      if (handler === undefined) {
        if (MODEL_OPERATIONS.has(operation)) {
          throw new CodeCommitApiError(
            'NotImplementedException',
            `The CodeCommit sandbox does not implement ${operation}.`,
            501,
          );
        }
        throw new CodeCommitApiError('UnknownOperationException', `Unknown operation ${target}.`);
      }
      const output = await handler(ctx, parseInput(body));
      log.debug('request served');
      await record(operation, body, 200);
      reply(res, requestId, 200, output);
    } catch (err) {
      if (err instanceof CodeCommitApiError) {
        log.debug({ error: err.name }, 'request refused');
        await record(operation, body, err.statusCode, err.name);
        replyError(res, requestId, err.statusCode, err.name, err.message);
      } else {
        log.error({ err }, 'request failed');
        await record(operation, body, 500, 'InternalFailure');
        replyError(
          res,
          requestId,
          500,
          'InternalFailure',
          'The request processing has failed because of an unknown error.',
        );
      }
    }
    return true;
  };
}
