import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { buildCanonicalRequest, headerValues, sha256Hex } from './canonical-request.ts';
import { parseAuthorization } from './parse-authorization.ts';
import { deriveSigningKey, signString } from './signing-key.ts';

/** Error names as AWS JSON services return them for authentication failures (all HTTP 400). */
export type SigV4ErrorName =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export interface SigV4Error {
  readonly name: SigV4ErrorName;
  readonly message: string;
  readonly statusCode: 400;
}

export type SigV4Verification =
  { readonly ok: true; readonly accessKeyId: string } | { readonly ok: false; readonly error: SigV4Error };

export interface SigV4Request {
  readonly method: string;
  /** Request target as received, path plus optional `?query`, still percent-encoded. */
  readonly url: string;
  /** Node's flat `[name, value, name, value, …]` list, so repeated headers keep all their values. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface SigV4Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SigV4VerifyOptions {
  readonly region: string;
  readonly service: string;
  readonly credentials: readonly SigV4Credential[];
  readonly now: Date;
  /** AWS accepts requests signed up to 15 minutes either side of its clock. */
  readonly maxSkewMs?: number;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function fail(name: SigV4ErrorName, message: string): SigV4Verification {
  return { ok: false, error: { name, message, statusCode: 400 } };
}

/** `YYYYMMDDTHHMMSSZ`, the form of X-Amz-Date and of the times in AWS's expiry messages. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Checks a SigV4 `Authorization` header the way an AWS JSON service does, in the same order: header
 * present and complete, no session token (sandbox identities have none), known access key, credential
 * scope (day, region, service), clock skew, then the signature itself.
 */
export function verifySigV4Request(request: SigV4Request, options: SigV4VerifyOptions): SigV4Verification {
  const headers = headerValues(request.rawHeaders);
  const authorization = headers.get('authorization')?.[0];
  if (authorization === undefined || authorization.trim() === '') {
    return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed.ok) return fail('IncompleteSignatureException', parsed.message);
  const auth = parsed.value;

  const amzDateHeader = headers.get('x-amz-date')?.[0];
  const dateHeader = headers.get('date')?.[0];
  let requestTime: Date | undefined;
  let requestStamp: string;
  if (amzDateHeader !== undefined) {
    requestStamp = amzDateHeader.trim();
    requestTime = parseAmzDate(requestStamp);
  } else if (dateHeader !== undefined) {
    const ms = Date.parse(dateHeader);
    requestTime = Number.isNaN(ms) ? undefined : new Date(ms);
    requestStamp = requestTime === undefined ? dateHeader : amzDate(requestTime);
  } else {
    return fail(
      'IncompleteSignatureException',
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`,
    );
  }
  if (requestTime === undefined) {
    return fail(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${requestStamp}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }

  if (headers.has('x-amz-security-token')) return fail('UnrecognizedClientException', INVALID_TOKEN);
  const credential = options.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (credential === undefined) return fail('UnrecognizedClientException', INVALID_TOKEN);

  if (auth.day !== requestStamp.slice(0, 8)) {
    return fail(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.day}' != '${requestStamp.slice(0, 8)}', from '${requestStamp}'.`,
    );
  }
  if (auth.region !== options.region) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${auth.region}'. `,
    );
  }
  if (auth.service !== options.service) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${options.service}'. `,
    );
  }
  if (auth.terminator !== 'aws4_request') {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'. `,
    );
  }
  if (!auth.signedHeaders.includes('host')) {
    return fail(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }

  const maxSkew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const nowMs = options.now.getTime();
  if (requestTime.getTime() < nowMs - maxSkew) {
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${requestStamp} is now earlier than ${amzDate(new Date(nowMs - maxSkew))} (${amzDate(options.now)} - ${maxSkew / 60000} min.)`,
    );
  }
  if (requestTime.getTime() > nowMs + maxSkew) {
    return fail(
      'InvalidSignatureException',
      `Signature not yet current: ${requestStamp} is still later than ${amzDate(new Date(nowMs + maxSkew))} (${amzDate(options.now)} + ${maxSkew / 60000} min.)`,
    );
  }

  // A claimed payload hash is part of what was signed; if it does not describe the body actually received,
  // the body was altered in flight, so treat it as a signature mismatch rather than trusting the claim.
  const bodyHash = sha256Hex(request.body);
  const claimedHash = headers.get('x-amz-content-sha256')?.[0]?.trim();
  if (claimedHash !== undefined && claimedHash !== 'UNSIGNED-PAYLOAD' && claimedHash !== bodyHash) {
    return fail('InvalidSignatureException', SIGNATURE_MISMATCH);
  }

  const queryAt = request.url.indexOf('?');
  const canonical = buildCanonicalRequest({
    method: request.method,
    rawPath: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
    rawQuery: queryAt < 0 ? '' : request.url.slice(queryAt + 1),
    headers,
    signedHeaders: auth.signedHeaders,
    payloadHash: claimedHash ?? bodyHash,
  });
  if (canonical === undefined) return fail('InvalidSignatureException', SIGNATURE_MISMATCH);
  const stringToSign = ['AWS4-HMAC-SHA256', requestStamp, auth.scope, sha256Hex(canonical)].join('\n');
  const key = deriveSigningKey(credential.secretAccessKey, auth.day, auth.region, auth.service);
  if (!constantTimeEqual(signString(key, stringToSign), auth.signature)) {
    return fail('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
  return { ok: true, accessKeyId: credential.accessKeyId };
}

/** The parts of a Node request the verifier needs; the body must already have been read. */
export function sigV4RequestFrom(req: IncomingMessage, body: Buffer): SigV4Request {
  return { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body };
}
