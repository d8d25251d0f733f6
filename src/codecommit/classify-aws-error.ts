import { Gh2ccError, errorMessage } from '../util/errors.ts';

export function awsErrorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
}

/** Turns an SDK error into a Gh2ccError (the SDK has already retried throttling and 5xx by now). */
export function classifyAwsError(err: unknown, what: string): Gh2ccError {
  if (err instanceof Gh2ccError) return err;
  const name = awsErrorName(err);
  const msg = `${what}: ${name === '' ? '' : `${name}: `}${errorMessage(err)}`;
  if (/Throttling|TooManyRequests|RequestLimitExceeded/.test(name))
    return new Gh2ccError('throttled', msg, { cause: err });
  if (
    /UnrecognizedClient|InvalidSignature|AccessDenied|ExpiredToken|InvalidClientTokenId|MissingAuthenticationToken/.test(
      name,
    )
  ) {
    return new Gh2ccError('auth', msg, {
      cause: err,
      retryable: false,
      fix: 'check the AWS credentials and region, and that the identity may use codecommit:* on these repositories',
    });
  }
  if (/InvalidRepositoryName/.test(name)) {
    return new Gh2ccError('invalid-name', msg, {
      cause: err,
      retryable: false,
      fix: 'add a rename for it under migrate.renames',
    });
  }
  if (/InvalidRepositoryTrigger(DestinationArn|Region)/.test(name)) {
    return new Gh2ccError('config', msg, {
      cause: err,
      retryable: false,
      fix: 'notify.snsTopicArn must name an existing SNS topic in the region of the CodeCommit repositories (aws.region)',
    });
  }
  if (/MaximumRepositoryTriggersExceeded/.test(name)) {
    return new Gh2ccError('conflict', msg, {
      cause: err,
      retryable: false,
      fix: 'a repository takes at most 10 triggers: remove one, or turn notify.codecommitTriggers off',
    });
  }
  if (/RepositoryDoesNotExist/.test(name))
    return new Gh2ccError('not-found', msg, { cause: err, retryable: false });
  if (/RepositoryLimitExceeded|RepositoryNameExists/.test(name)) {
    return new Gh2ccError('conflict', msg, {
      cause: err,
      retryable: false,
      ...(name.includes('Limit') ? { fix: 'ask AWS for a higher CodeCommit repository quota' } : {}),
    });
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || /ECONNRESET|socket hang up|ETIMEDOUT|EPIPE|ECONNREFUSED/.test(errorMessage(err))) {
    return new Gh2ccError('network', msg, { cause: err });
  }
  return new Gh2ccError('internal', msg, { cause: err, retryable: false });
}
