import { readFileSync } from 'node:fs';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Gh2ccError, errorMessage } from '../util/errors.ts';
import { proxyEnv } from '../util/proxy-env.ts';
import { classifyGitError } from './classify-git-error.ts';
import type { GitAuth } from './git-auth.ts';
import { DEFAULT_GIT_NETWORK_LIMITS, type GitNetworkLimits } from './git-env.ts';

/** More than any ref advertisement: 20,000 tags take about 1.2 MB. */
const MAX_ADVERTISEMENT_BYTES = 256 * 1024 * 1024;

/**
 * A remote's branches and tags from its smart-HTTP ref advertisement (`GET <url>/info/refs?service=
 * git-upload-pack`, protocol v0), read in this process: what `git ls-remote --heads --tags` prints, without
 * starting git, its HTTP helper and its credential helper for one request. The mirror lists CodeCommit before
 * planning and again to verify each repository; on small repositories those processes cost more than the
 * listing. Credentials go in the Authorization header of this request only (Basic, as git sends them).
 *
 * Answers undefined where git's own HTTP stack should do it instead, and the caller runs `git ls-remote`: a
 * URL that is not http(s), no credentials, a proxy in the environment (git's proxy rules, `no_proxy`
 * included, stay git's), a redirect, or a server that does not speak smart HTTP. Failures are classified as
 * the same failure from git would be (auth, not found, throttled, server, network).
 */
export async function listRefsOverHttp(
  url: string,
  auth: GitAuth | undefined,
  what: string,
  options: { signal?: AbortSignal | undefined; network?: GitNetworkLimits | undefined } = {},
): Promise<RemoteRefs | undefined> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || auth === undefined || proxyEnv() !== undefined) return undefined;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  const target = new URL(`${parsed.href.replace(/\/+$/, '')}/info/refs`);
  target.searchParams.set('service', 'git-upload-pack');
  const fail = (detail: string): Gh2ccError =>
    classifyGitError(`fatal: unable to access '${parsed.href}': ${detail}`, what);
  // Why the low-speed watch ended the request, when it did: the body's own error would only say "aborted".
  const stalled: { reason?: string } = {};
  let response: IncomingMessage;
  try {
    response = await get(target, auth, options, stalled);
  } catch (err) {
    if (options.signal?.aborted === true)
      throw new Gh2ccError('internal', `${what}: stopped on request`, { retryable: false });
    // git trusts the system's certificate store, which Node does not read: a certificate Node cannot verify is
    // left to git, which fails with its own message when it cannot verify it either.
    if (certificateProblem(err)) return undefined;
    throw fail(stalled.reason ?? networkDetail(err));
  }
  const status = response.statusCode ?? 0;
  const type = String(response.headers['content-type'] ?? '');
  if (status !== 200 || type !== 'application/x-git-upload-pack-advertisement') {
    response.resume();
    // A redirect, or a server that answers the dumb protocol: git's HTTP stack knows what to do with those.
    if ((status >= 300 && status < 400) || status === 200) return undefined;
    throw fail(`The requested URL returned error: ${status}`);
  }
  let body: Buffer;
  try {
    body = await readBody(response);
  } catch (err) {
    if (options.signal?.aborted === true)
      throw new Gh2ccError('internal', `${what}: stopped on request`, { retryable: false });
    throw fail(stalled.reason ?? networkDetail(err));
  }
  let refs: RemoteRefs | undefined;
  try {
    refs = parseAdvertisement(body);
  } catch (err) {
    throw fail(errorMessage(err));
  }
  if (refs === undefined) throw fail('the server sent a malformed ref advertisement (early EOF)');
  return refs;
}

function get(
  target: URL,
  auth: GitAuth,
  options: { signal?: AbortSignal | undefined; network?: GitNetworkLimits | undefined },
  stalled: { reason?: string },
): Promise<IncomingMessage> {
  const caFile = process.env['GIT_SSL_CAINFO'];
  const secure = target.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: 'GET',
      // One connection per host kept open between listings, as git keeps its connection for a fetch's requests:
      // a mirror lists CodeCommit twice per repository, all on the same host.
      agent: secure ? httpsAgent : httpAgent,
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        'user-agent': 'git/2 (gh2cc)',
        accept: '*/*',
        pragma: 'no-cache',
      },
      // git's CA file is trusted besides Node's roots (curl adds it to the system's store).
      ...(secure && caFile !== undefined && caFile !== ''
        ? { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] }
        : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    watchSpeed(req, options.network ?? DEFAULT_GIT_NETWORK_LIMITS, stalled);
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

/**
 * git's low-speed limit (curl's): fewer than `lowSpeedLimit` bytes a second over `lowSpeedTime` ends the
 * request, whether the server says nothing or trickles bytes, from the connection to the last byte of the body.
 */
function watchSpeed(req: ClientRequest, limits: GitNetworkLimits, stalled: { reason?: string }): void {
  const seconds = Math.max(1, Math.ceil(limits.lowSpeedTimeMs / 1000));
  let bytes = 0;
  const timer = setInterval(() => {
    if (bytes < limits.lowSpeedLimit * seconds) {
      stalled.reason = `Operation too slow. Less than ${limits.lowSpeedLimit} bytes/sec transferred the last ${seconds} seconds`;
      req.destroy(new Error(stalled.reason));
    }
    bytes = 0;
  }, seconds * 1000);
  timer.unref();
  // The connection may be reused afterwards (keep-alive): its counter goes with this request.
  const count = (chunk: Buffer): void => {
    bytes += chunk.length;
  };
  req.once('socket', (socket) => {
    socket.on('data', count);
    req.once('close', () => socket.off('data', count));
  });
  req.once('close', () => clearInterval(timer));
}

// An idle connection is dropped after 4 s, before a server's usual 5 s: one closed by the server just as it was
// reused would fail the listing.
const httpAgent = new HttpAgent({ keepAlive: true, timeout: 4000 });
const httpsAgent = new HttpsAgent({ keepAlive: true, timeout: 4000 });

const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/;

function certificateProblem(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && CERTIFICATE_CODES.test(code);
}

async function readBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_ADVERTISEMENT_BYTES)
      throw new Error('transfer closed: the ref advertisement is too large');
    chunks.push(b);
  }
  if (!response.complete) throw new Error('transfer closed with outstanding read data remaining');
  return Buffer.concat(chunks);
}

/** Words git's own HTTP errors use, so the failure classifies as git's would (see classifyGitError). */
function networkDetail(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ECONNREFUSED') return `Failed to connect: Connection refused`;
  if (e.code === 'ECONNRESET') return `Recv failure: Connection reset by peer`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `Could not resolve host`;
  // Any other system error on the way (ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EPIPE…) is one git retries too.
  if (e.code !== undefined && /^E[A-Z]+$/.test(e.code)) return `Failed to connect: ${e.message}`;
  return `${e.message} (${e.code ?? 'network error'})`;
}

/**
 * A remote's branches and tags (ref → object id), and the branch its HEAD names when the server said so: the
 * `symref=HEAD:<ref>` capability of a v0 advertisement, which git servers send when HEAD is a branch that
 * exists (it is how `git clone` knows what to check out). Undefined when not known.
 */
export class RemoteRefs extends Map<string, string> {
  // Declared, not initialised: a listing without it stays equal to a plain Map of the same refs.
  declare head?: string;
}

/**
 * Branches and tags of a v0 smart-HTTP advertisement: pkt-lines (4 hex digits of length, then the line),
 * `# service=git-upload-pack`, a flush, then `<sha> <ref>` lines, the first with capabilities after a NUL;
 * an empty repository advertises only `capabilities^{}`. Peeled `^{}` lines are dropped, as ls-remote's are
 * by the mirror; HEAD's `symref` capability becomes `head`. Undefined when the pkt-lines are cut short or
 * malformed; throws on the server's `ERR` line, as git stops there with "remote error".
 */
export function parseAdvertisement(body: Buffer): RemoteRefs | undefined {
  const refs = new RemoteRefs();
  let at = 0;
  let flushes = 0;
  let serviceLine = false;
  while (at < body.length) {
    const length = Number.parseInt(body.toString('latin1', at, at + 4), 16);
    if (Number.isNaN(length) || (length > 0 && length < 4) || at + Math.max(length, 4) > body.length)
      return undefined;
    if (length === 0) {
      flushes += 1;
      at += 4;
      continue;
    }
    const [line = '', capabilities] = body
      .toString('utf8', at + 4, at + length)
      .replace(/\n$/, '')
      .split('\0');
    at += length;
    const head = capabilities === undefined ? undefined : symrefOfHead(capabilities);
    if (head !== undefined) refs.head = head;
    if (line.startsWith('ERR ')) throw new Error(`remote error: ${line.slice(4)}`);
    if (line.startsWith('# service=')) {
      serviceLine = true;
      continue;
    }
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (refs\/(?:heads|tags)\/\S+)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && !m[2].endsWith('^{}')) refs.set(m[2], m[1]);
  }
  // The list ends with a flush (the service line has one of its own): without it, the body was cut short.
  return flushes >= (serviceLine ? 2 : 1) ? refs : undefined;
}

/** `refs/heads/main` of `… symref=HEAD:refs/heads/main …`; undefined when HEAD's is not among them. */
function symrefOfHead(capabilities: string): string | undefined {
  for (const word of capabilities.split(' ')) {
    if (word.startsWith('symref=HEAD:refs/heads/')) return word.slice('symref=HEAD:'.length);
  }
  return undefined;
}
