/**
 * Messages for exceptions whose exact wording the real service uses is not on record: the model's own
 * description of the exception, which is what the service documentation shows for it.
 */
const DEFAULT_MESSAGES = {
  BranchDoesNotExistException: 'The specified branch does not exist.',
  BranchNameRequiredException: 'A branch name is required, but was not specified.',
  EncryptionKeyInvalidIdException: 'The Key Management Service encryption key is not valid.',
  InvalidBranchNameException: 'The specified reference name is not valid.',
  InvalidContinuationTokenException: 'The specified continuation token is not valid.',
  InvalidOrderException: 'The specified sort order is not valid.',
  InvalidRepositoryDescriptionException: 'The specified repository description is not valid.',
  // Wording of the real service (also reproduced by moto).
  InvalidRepositoryNameException:
    'The repository name is not valid. Repository names can be any valid combination of letters, numbers, ' +
    'periods, underscores, and dashes between 1 and 100 characters in length. Names are case sensitive. ' +
    'For more information, see Limits in the AWS CodeCommit User Guide. ',
  InvalidRepositoryTriggerBranchNameException:
    'One or more branch names specified for the trigger is not valid.',
  InvalidRepositoryTriggerCustomDataException: 'The custom data provided for the trigger is not valid.',
  InvalidRepositoryTriggerDestinationArnException:
    'The Amazon Resource Name (ARN) for the trigger is not valid for the specified destination. The most common ' +
    'reason for this error is that the ARN does not meet the requirements for the service type.',
  InvalidRepositoryTriggerEventsException:
    'One or more events specified for the trigger is not valid. Check to make sure that all events specified ' +
    'match the requirements for allowed events.',
  InvalidRepositoryTriggerNameException: 'The name of the trigger is not valid.',
  InvalidRepositoryTriggerRegionException:
    'The region for the trigger target does not match the region for the repository. Triggers must be created ' +
    'in the same region as the target for the trigger.',
  InvalidResourceArnException: 'The value for the resource ARN is not valid.',
  InvalidSortByException: 'The specified sort by value is not valid.',
  InvalidSystemTagUsageException: 'The specified tag is not valid. Key names cannot be prefixed with aws:.',
  InvalidTagKeysListException: 'The list of tags is not valid.',
  InvalidTagsMapException: 'The map of tags is not valid.',
  MaximumBranchesExceededException: 'The number of branches for the trigger was exceeded.',
  MaximumRepositoryNamesExceededException:
    'The maximum number of allowed repository names was exceeded. Currently, this number is 100.',
  MaximumRepositoryTriggersExceededException:
    'The number of triggers allowed for the repository was exceeded.',
  RepositoryLimitExceededException: 'A repository resource limit was exceeded.',
  RepositoryNameRequiredException: 'A repository name is required, but was not specified.',
  RepositoryNamesRequiredException: 'At least one repository name object is required, but was not specified.',
  RepositoryTriggerBranchNameListRequiredException:
    'At least one branch name is required, but was not specified in the trigger configuration.',
  RepositoryTriggerDestinationArnRequiredException:
    'A destination ARN for the target service for the trigger is required, but was not specified.',
  RepositoryTriggerEventsListRequiredException:
    'At least one event for the trigger is required, but was not specified.',
  RepositoryTriggerNameRequiredException: 'A name for the trigger is required, but was not specified.',
  RepositoryTriggersListRequiredException:
    'The list of triggers for the repository is required, but was not specified.',
  ResourceArnRequiredException:
    'A valid Amazon Resource Name (ARN) for an CodeCommit resource is required. For a list of valid resources ' +
    'in CodeCommit, see CodeCommit Resources and Operations in the CodeCommit User Guide.',
  TagKeysListRequiredException: 'A list of tag keys is required. The list cannot be empty or null.',
  TagsMapRequiredException: 'A map of tags is required.',
  TooManyTagsException: 'The maximum number of tags for an CodeCommit resource has been exceeded.',
} as const;

export type CodeCommitErrorName =
  | keyof typeof DEFAULT_MESSAGES
  | 'RepositoryDoesNotExistException'
  | 'RepositoryNameExistsException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'NotImplementedException'
  | 'InternalFailure';

/** An error the API answers with `{"__type": name, "message": …}`; 400 unless it is a server fault. */
export class CodeCommitApiError extends Error {
  override readonly name: CodeCommitErrorName;
  readonly statusCode: number;

  constructor(name: CodeCommitErrorName, message: string, statusCode = 400) {
    super(message);
    this.name = name;
    this.statusCode = statusCode;
  }
}

/** The error with its documented message. */
export function apiError(name: keyof typeof DEFAULT_MESSAGES, message?: string): CodeCommitApiError {
  return new CodeCommitApiError(name, message ?? DEFAULT_MESSAGES[name]);
}

export function repositoryDoesNotExist(name: string): CodeCommitApiError {
  return new CodeCommitApiError('RepositoryDoesNotExistException', `${name} does not exist`);
}

export function repositoryNameExists(name: string): CodeCommitApiError {
  return new CodeCommitApiError('RepositoryNameExistsException', `Repository named ${name} already exists`);
}

export function serializationError(message: string): CodeCommitApiError {
  return new CodeCommitApiError('SerializationException', message);
}
