import { awsErrorName } from '../codecommit/classify-aws-error.ts';
import { Gh2ccError, errorMessage } from '../util/errors.ts';

/** Turns an SNS Publish failure into a Gh2ccError: throttling and network trouble are worth retrying. */
export function classifySnsError(err: unknown, topicArn: string): Gh2ccError {
  if (err instanceof Gh2ccError) return err;
  const name = awsErrorName(err);
  const msg = `SNS publish to ${topicArn}: ${name === '' ? '' : `${name}: `}${errorMessage(err)}`;
  if (/Throttl|TooManyRequests|RequestLimitExceeded|KMSThrottling/.test(name)) {
    return new Gh2ccError('throttled', msg, { cause: err });
  }
  if (
    /AuthorizationError|AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|InvalidClientTokenId|MissingAuthenticationToken|InvalidSecurity/.test(
      name,
    )
  ) {
    return new Gh2ccError('auth', msg, {
      cause: err,
      retryable: false,
      fix: 'check the AWS credentials and that the identity may use sns:Publish on notify.snsTopicArn (and kms:GenerateDataKey/kms:Decrypt on the key of an encrypted topic)',
    });
  }
  if (/NotFound/.test(name)) {
    return new Gh2ccError('not-found', msg, {
      cause: err,
      retryable: false,
      fix: 'check notify.snsTopicArn (GH2CC_SNS_TOPIC_ARN) and that AWS_REGION/AWS_ENDPOINT_URL_SNS point at its account and region',
    });
  }
  if (/^KMS/.test(name)) {
    return new Gh2ccError('auth', msg, {
      cause: err,
      retryable: false,
      fix: "the topic's KMS key is disabled, missing or not usable by gh2cc",
    });
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || /InternalError|ServiceUnavailable/.test(name)) {
    return new Gh2ccError('server', msg, { cause: err });
  }
  if (
    name === 'TimeoutError' ||
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up/.test(
      `${errorMessage(err)} ${errorCode(err)}`,
    )
  ) {
    return new Gh2ccError('network', msg, { cause: err });
  }
  // InvalidParameter, a too-large message and the like: our bug, and sending it again will not help.
  return new Gh2ccError('internal', msg, { cause: err, retryable: false });
}

function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
