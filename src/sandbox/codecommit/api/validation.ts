import { isValidBranchName } from '../../../core/codecommit-branch-name.ts';
import { apiError, type CodeCommitApiError } from './errors.ts';

export { isValidBranchName, MAX_BRANCH_NAME_LENGTH } from '../../../core/codecommit-branch-name.ts';

export const MAX_REPOSITORY_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

/** Letters, digits and `_` (the model's `\w`), `.` and `-`; `.git` at the end is reserved for the git URL. */
export function isValidRepositoryName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= MAX_REPOSITORY_NAME_LENGTH &&
    /^[A-Za-z0-9_.-]+$/.test(name) &&
    !name.endsWith('.git')
  );
}

/** A present, valid repository name; the two failures are distinct exceptions on the real service. */
export function requireRepositoryName(name: string | undefined): string {
  if (name === undefined || name === '') throw apiError('RepositoryNameRequiredException');
  if (!isValidRepositoryName(name)) throw apiError('InvalidRepositoryNameException');
  return name;
}

export function checkDescription(description: string | undefined): void {
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw apiError('InvalidRepositoryDescriptionException');
  }
}

export function requireBranchName(name: string | undefined): string {
  if (name === undefined || name === '') throw apiError('BranchNameRequiredException');
  if (!isValidBranchName(name)) throw apiError('InvalidBranchNameException');
  return name;
}

// AWS tagging rules: Unicode letters, digits and spaces, and `_ . : / = + - @`.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function tagKeyProblem(key: string): CodeCommitApiError | undefined {
  if (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH || !TAG_TEXT.test(key)) {
    return apiError('InvalidTagsMapException');
  }
  if (key.toLowerCase().startsWith('aws:')) return apiError('InvalidSystemTagUsageException');
  return undefined;
}

/** Checks a tags map for CreateRepository/TagResource (count checked by the caller against the merged set). */
export function checkTags(tags: ReadonlyArray<readonly [string, string]>): void {
  for (const [key, value] of tags) {
    const problem = tagKeyProblem(key);
    if (problem !== undefined) throw problem;
    if (value.length > MAX_TAG_VALUE_LENGTH || !TAG_TEXT.test(value))
      throw apiError('InvalidTagsMapException');
  }
  if (tags.length > MAX_TAGS_PER_RESOURCE) throw apiError('TooManyTagsException');
}

export function checkTagKeys(keys: readonly string[]): void {
  for (const key of keys) {
    const problem = tagKeyProblem(key);
    if (problem?.name === 'InvalidSystemTagUsageException') throw problem;
    if (problem !== undefined) throw apiError('InvalidTagKeysListException');
  }
  if (keys.length > MAX_TAGS_PER_RESOURCE) throw apiError('TooManyTagsException');
}

export function checkKmsKeyId(kmsKeyId: string | undefined): void {
  if (kmsKeyId !== undefined && !/^[a-zA-Z0-9:/_-]+$/.test(kmsKeyId)) {
    throw apiError('EncryptionKeyInvalidIdException');
  }
}

/** The ARN partition of a region, as AWS assigns them. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(arn);
  if (m === null) return undefined;
  const [, partition = '', service = '', region = '', accountId = '', resource = ''] = m;
  return { partition, service, region, accountId, resource };
}
