import { ACCESS_LEVELS, type AccessLevel } from './github-access.ts';

/**
 * GitHub repository levels to CodeCommit actions. Each level adds to the one below it, as on GitHub:
 *
 * - pull: read everything (clone, browse, pull requests) and comment, as GitHub lets readers comment.
 * - triage: also close and reopen pull requests (GitHub's triage manages issues and pull requests).
 * - push: also write content (git push, branches, commits, files, merges) and open, edit and approve pull
 *   requests.
 * - maintain: also the repository settings GitHub gives maintainers: description and topics (tags other than
 *   gh2cc's own), pull request approval rules, and removing comment content.
 * - admin: also what GitHub keeps for admins: default branch, rename, triggers (webhooks), encryption key,
 *   approval rule templates and deleting the repository.
 *
 * The README carries this table; `test/iam/iam-evaluate.test.ts` checks it with an independent evaluator.
 */
const ADDED: Readonly<Record<AccessLevel, readonly string[]>> = {
  pull: [
    'codecommit:BatchDescribe*',
    'codecommit:BatchGet*',
    'codecommit:Describe*',
    'codecommit:EvaluatePullRequestApprovalRules',
    'codecommit:Get*',
    'codecommit:GitPull',
    'codecommit:List*',
    'codecommit:PostCommentForComparedCommit',
    'codecommit:PostCommentForPullRequest',
    'codecommit:PostCommentReply',
    'codecommit:PutCommentReaction',
    'codecommit:UpdateComment',
  ],
  triage: ['codecommit:UpdatePullRequestStatus'],
  push: [
    'codecommit:CreateBranch',
    'codecommit:CreateCommit',
    'codecommit:CreatePullRequest',
    'codecommit:CreateUnreferencedMergeCommit',
    'codecommit:DeleteBranch',
    'codecommit:DeleteFile',
    'codecommit:GitPush',
    'codecommit:MergeBranchesBy*',
    'codecommit:MergePullRequestBy*',
    'codecommit:PutFile',
    'codecommit:UpdatePullRequestApprovalState',
    'codecommit:UpdatePullRequestDescription',
    'codecommit:UpdatePullRequestTitle',
    'codecommit:UploadArchive',
  ],
  maintain: [
    'codecommit:CreatePullRequestApprovalRule',
    'codecommit:DeleteCommentContent',
    'codecommit:DeletePullRequestApprovalRule',
    'codecommit:OverridePullRequestApprovalRules',
    'codecommit:UpdatePullRequestApprovalRuleContent',
    'codecommit:UpdateRepositoryDescription',
  ],
  admin: [
    'codecommit:AssociateApprovalRuleTemplateWithRepository',
    'codecommit:BatchAssociateApprovalRuleTemplateWithRepositories',
    'codecommit:BatchDisassociateApprovalRuleTemplateFromRepositories',
    'codecommit:DeleteRepository',
    'codecommit:DisassociateApprovalRuleTemplateFromRepository',
    'codecommit:PutRepositoryTriggers',
    'codecommit:TestRepositoryTriggers',
    'codecommit:UpdateDefaultBranch',
    'codecommit:UpdateRepositoryEncryptionKey',
    'codecommit:UpdateRepositoryName',
  ],
};

/** Tagging is maintain's too, but never of gh2cc's own keys: access and protection hang on them. */
export const TAG_ACTIONS = ['codecommit:TagResource', 'codecommit:UntagResource'] as const;
export const TAG_LEVEL: AccessLevel = 'maintain';

/** Every action a level grants (its own and all below it), sorted. */
export function actionsFor(level: AccessLevel): string[] {
  const upTo = ACCESS_LEVELS.slice(0, ACCESS_LEVELS.indexOf(level) + 1);
  return upTo.flatMap((l) => ADDED[l]).sort();
}

/** Only the actions a level adds to the one below it. */
export function actionsAddedBy(level: AccessLevel): readonly string[] {
  return ADDED[level];
}

/**
 * What a protected branch denies to a group GitHub would stop from pushing there (REFERENCE.md): every way to
 * move or delete the ref through CodeCommit.
 */
export const PROTECTED_BRANCH_DENY = [
  'codecommit:DeleteBranch',
  'codecommit:GitPush',
  'codecommit:MergeBranchesBy*',
  'codecommit:MergePullRequestBy*',
  'codecommit:PutFile',
] as const;

/** What a protected branch that disallows deletion denies to everyone who may otherwise push there. */
export const NO_DELETION_DENY = ['codecommit:DeleteBranch'] as const;
