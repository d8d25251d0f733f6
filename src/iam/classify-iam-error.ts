import { awsErrorName, classifyAwsError } from '../codecommit/classify-aws-error.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';

/** Turns an IAM (or STS) SDK error into a Gh2ccError naming what gh2cc was doing and the fix. */
export function classifyIamError(err: unknown, what: string): Gh2ccError {
  if (err instanceof Gh2ccError) return err;
  const name = awsErrorName(err);
  const msg = `${what}: ${name === '' ? '' : `${name}: `}${errorMessage(err)}`;
  if (/AccessDenied|UnauthorizedOperation/.test(name))
    return new Gh2ccError('auth', msg, {
      cause: err,
      retryable: false,
      fix: 'give gh2cc the policy `gh2cc iam self-policy --mode iam` prints',
    });
  if (name === 'NoSuchEntityException' || name === 'NoSuchEntity')
    return new Gh2ccError('not-found', msg, { cause: err, retryable: false });
  if (name === 'EntityAlreadyExistsException' || name === 'EntityAlreadyExists')
    return new Gh2ccError('conflict', msg, { cause: err, retryable: false });
  if (name === 'LimitExceededException' || name === 'LimitExceeded')
    return new Gh2ccError('conflict', msg, {
      cause: err,
      retryable: false,
      fix: 'an IAM quota is reached; `gh2cc iam plan` shows the counts (iam.mode tag keeps one policy per team)',
    });
  if (name === 'MalformedPolicyDocumentException' || name === 'MalformedPolicyDocument')
    return new Gh2ccError('internal', msg, { cause: err, retryable: false });
  return classifyAwsError(err, what);
}
