import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ProxyAgent, type ProxyAgentOptions } from 'proxy-agent';
import type { Config } from '../config/schema.ts';
import { Gh2ccError } from '../util/errors.ts';
import { proxyEnv } from '../util/proxy-env.ts';

/** The SDK's own agents keep connections alive, up to 50 per host; so do these. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 50 } as const;

/**
 * proxy-agent picks, per connection, a direct socket or the proxy `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` name
 * for that URL. Told which side it serves: the SDK's handler calls `https.request` without a protocol, and
 * the base class would otherwise guess from the call stack.
 */
class EnvProxyAgent extends ProxyAgent {
  constructor(
    private readonly secure: boolean,
    options: ProxyAgentOptions,
  ) {
    super(options);
  }

  override isSecureEndpoint(): boolean {
    return this.secure;
  }
}

/**
 * Node's trusted roots plus `aws.caBundle` (AWS_CA_BUNDLE, or the profile's ca_bundle) and
 * NODE_EXTRA_CA_CERTS, which a `ca` option would otherwise drop.
 */
function trustedCas(caBundle: string): string[] {
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Gh2ccError('config', `${what}: cannot read the CA bundle ${file}`, {
        cause: err,
        retryable: false,
        fix: `point ${what} at a PEM file of CA certificates`,
      });
    }
  };
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  return [
    ...rootCertificates,
    ...(extra === undefined || extra === '' || extra === caBundle
      ? []
      : [read(extra, 'NODE_EXTRA_CA_CERTS')]),
    read(caBundle, 'aws.caBundle (AWS_CA_BUNDLE)'),
  ];
}

/**
 * The HTTP layer of every AWS SDK client gh2cc builds (CodeCommit, IAM, SNS, STS, and the STS/SSO calls the
 * SDK makes for a profile): timeouts for connecting and for the answer (`throwOnRequestTimeout`, or the SDK
 * only logs a warning); the proxy of the environment, which the SDK's own handler ignores; and the CA bundle.
 */
export function awsRequestHandler(aws: Pick<Config['aws'], 'timeout' | 'caBundle'>): {
  connectionTimeout: number;
  requestTimeout: number;
  socketTimeout: number;
  throwOnRequestTimeout: boolean;
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent | HttpAgent;
} {
  const timeouts = {
    connectionTimeout: aws.timeout,
    requestTimeout: aws.timeout,
    socketTimeout: aws.timeout,
    throwOnRequestTimeout: true,
  };
  const tls: AgentOptions = aws.caBundle === undefined ? {} : { ca: trustedCas(aws.caBundle) };
  // The process's proxy variables: proxy-agent reads them for each new connection, as git does.
  if (proxyEnv() === undefined) {
    return aws.caBundle === undefined
      ? timeouts
      : { ...timeouts, httpsAgent: new HttpsAgent({ ...AGENT_OPTIONS, ...tls }) };
  }
  return {
    ...timeouts,
    // Plain HTTP goes to the proxy with the absolute URL as the path, rewritten as each request is handed to
    // the proxy's agent; a socket kept alive would carry the next request past that rewrite. So no reuse here
    // (plain-HTTP AWS endpoints are local test servers anyway).
    httpAgent: new EnvProxyAgent(false, { keepAlive: false, maxSockets: Infinity }),
    // HTTPS tunnels (CONNECT) are end to end and kept alive; the CA reaches direct and tunnelled TLS alike.
    httpsAgent: new EnvProxyAgent(true, { ...AGENT_OPTIONS, ...tls }),
  };
}
