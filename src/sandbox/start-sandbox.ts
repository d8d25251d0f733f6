import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { addSecret } from '../util/secrets.ts';
import { createCodeCommitApi, DEFAULT_KMS_KEY_ID } from './codecommit/api/create-code-commit-api.ts';
import { openCodeCommitStore } from './codecommit/store.ts';
import { createCodeCommitGit, pushLogPath } from './codecommit-git.ts';
import { createTriggerPublisher } from './codecommit-triggers.ts';
import { createFaultInjector, type FaultKind, type FaultRule, type FaultSide } from './faults.ts';
import { GithubTokens } from './github/app-tokens.ts';
import { createGithubApi } from './github/index.ts';
import { createGithubGit } from './github-git.ts';
import { pingDelivery, sendDeliveries, type WebhookTarget } from './github-webhooks.ts';
import { installHooks } from './push-record.ts';
import { requestLogPath } from './request-log.ts';
import { DEFAULT_DEMO_SIZE, DEMO_ORG, seedDemo, type DemoSize } from './seed-demo.ts';
import type { SandboxHandler } from './types.ts';

export interface SandboxOptions {
  readonly dir: string;
  readonly seed?: 'demo';
  readonly demoSize?: DemoSize;
  readonly githubPort?: number;
  readonly codecommitPort?: number;
  readonly host?: string;
  /**
   * The host name every advertised URL carries (API URLs, `clone_url`, CodeCommit's `cloneUrlHttp`, `env`): the
   * name clients reach the sandbox by, such as a compose service name, when that is not the listen address.
   * Default: the listen address, or loopback when that is a wildcard (0.0.0.0, ::), which names no machine.
   */
  readonly publicHost?: string;
  readonly region?: string;
  readonly latencyMs?: number;
  readonly webhookUrl?: string;
  /**
   * An SNS-compatible endpoint (moto, LocalStack) that CodeCommit repository triggers publish to after a push;
   * unset, triggers are stored but not fired.
   */
  readonly snsEndpoint?: string;
  readonly maxRefUpdates?: number;
  /** How long the App's installation tokens live (default an hour, as on GitHub). */
  readonly appTokenTtlMs?: number;
  /** Fault rules in force from the start (see `setFaults`). */
  readonly faults?: readonly FaultRule[];
  readonly log: Logger;
}

export interface SandboxSecrets {
  readonly githubToken: string;
  readonly webhookSecret: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  /** The sandbox's GitHub App (made on first use of a state folder from before Apps were served). */
  readonly appId?: number;
  readonly appInstallationId?: number;
  readonly appPrivateKeyPem?: string;
}

/** The sandbox's GitHub App as gh2cc is configured with it: `GITHUB_APP_ID`, the key file, the installation. */
export interface SandboxAppInfo {
  readonly appId: number;
  readonly installationId: number;
  /** PEM file of the App's private key (mode 600), what `GITHUB_APP_PRIVATE_KEY` may name. */
  readonly privateKeyFile: string;
}

/** What `gh2cc sandbox` prints: how to reach both sides, and the environment that points gh2cc at them. */
export interface SandboxInfo {
  readonly github: {
    readonly apiUrl: string;
    readonly token: string;
    readonly webhookSecret: string;
    readonly app: SandboxAppInfo;
  };
  readonly codecommit: {
    readonly endpoint: string;
    readonly gitUrl: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
  readonly env: Readonly<Record<string, string>>;
}

export interface RunningSandbox {
  readonly info: SandboxInfo;
  readonly dir: string;
  readonly githubDir: string;
  readonly codecommitDir: string;
  readonly pushLog: string;
  /**
   * `codecommit/request-log.jsonl`: every CodeCommit API and git request answered, with the operation (also the
   * IAM action it needs), the repositories it named and the status (see `CodeCommitRequestRecord`).
   */
  readonly requestLog: string;
  /** Change where GitHub-style webhooks go (undefined: none are sent). */
  setWebhookUrl(url: string | undefined): void;
  /** How many GitHub App installation tokens the sandbox has issued. */
  appTokensIssued(): number;
  /** The installation tokens issued and not yet expired (secret scans look for them). */
  appTokens(): readonly string[];
  /**
   * Makes matching requests fail as the real services fail (throttling, 5xx, dropped connections), replacing
   * any earlier rules. Also reachable over HTTP: `POST /__sandbox/faults` on either server.
   */
  setFaults(rules: readonly FaultRule[]): void;
  clearFaults(): void;
  /** How many requests the current fault rules have failed, optionally only of one side or kind. */
  faultHits(filter?: { readonly side?: FaultSide; readonly kind?: FaultKind }): number;
  close(): Promise<void>;
}

/** Credentials are made once per state folder and kept there, so a restarted sandbox keeps working. */
async function loadSecrets(dir: string): Promise<Required<SandboxSecrets>> {
  const file = join(dir, 'sandbox-credentials.json');
  let secrets: SandboxSecrets;
  try {
    secrets = JSON.parse(await readFile(file, 'utf8')) as SandboxSecrets;
  } catch {
    secrets = {
      githubToken: `ghp_${randomBytes(18).toString('hex')}`,
      webhookSecret: randomBytes(20).toString('hex'),
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x'),
      accountId: '123456789012',
    };
  }
  if (
    secrets.appPrivateKeyPem === undefined ||
    secrets.appId === undefined ||
    secrets.appInstallationId === undefined
  ) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    secrets = {
      ...secrets,
      appId: 100_000 + randomInt(900_000),
      appInstallationId: 10_000_000 + randomInt(90_000_000),
      appPrivateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets as Required<SandboxSecrets>;
}

function serve(
  handlers: readonly SandboxHandler[],
  latencyMs: number,
  log: Logger,
  faults: SandboxHandler,
): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const run = async (): Promise<void> => {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      // Before any route: a failed request must leave the state untouched, as a refused one does upstream.
      if (await faults(req, res)) return;
      for (const handler of handlers) {
        if (await handler(req, res)) return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Not Found' }));
    };
    run().catch((err: unknown) => {
      log.error({ err, url: req.url }, 'sandbox request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal sandbox error' }));
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

function advertisedHost(host: string, publicHost: string | undefined): string {
  const wildcard: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1' };
  const name = publicHost ?? wildcard[host] ?? host;
  return name.includes(':') ? `[${name}]` : name;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the GitHub-compatible and CodeCommit-compatible servers over one state folder. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const githubDir = join(options.dir, 'github');
  const codecommitDir = join(options.dir, 'codecommit');
  const tmpDir = join(options.dir, 'tmp');
  await mkdir(githubDir, { recursive: true });
  await mkdir(join(codecommitDir, 'repos'), { recursive: true });
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  const hooksPath = await installHooks(join(options.dir, 'hooks'));
  const secrets = await loadSecrets(options.dir);
  for (const s of [
    secrets.githubToken,
    secrets.webhookSecret,
    secrets.secretAccessKey,
    secrets.appPrivateKeyPem,
  ])
    addSecret(s);
  if (options.seed === 'demo') await seedDemo(githubDir, options.demoSize ?? DEFAULT_DEMO_SIZE);

  const log = options.log;
  const faults = createFaultInjector({
    token: secrets.githubToken,
    log,
    ...(options.faults === undefined ? {} : { rules: options.faults }),
  });
  let githubBase = '';
  let webhookUrl = options.webhookUrl;
  const credentials = { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey };
  let ccBase = '';
  const ccOptions = { dir: codecommitDir, region, accountId: secrets.accountId, credentials, log };
  // One store for the API and the triggers fired by git pushes, so a push sees the triggers just put.
  const store = openCodeCommitStore({ dir: codecommitDir, log, defaultKmsKeyId: DEFAULT_KMS_KEY_ID });
  const triggers = createTriggerPublisher({
    store,
    region,
    accountId: secrets.accountId,
    credentials,
    log,
    ...(options.snsEndpoint === undefined ? {} : { snsEndpoint: options.snsEndpoint }),
  });
  const codecommit = serve(
    [
      createCodeCommitApi({ ...ccOptions, store, gitBaseUrl: () => ccBase }),
      createCodeCommitGit({
        ...ccOptions,
        hooksPath,
        tmpDir,
        maxRefUpdates: options.maxRefUpdates,
        onPush: (name, updates) => triggers.fire(name, updates),
      }),
    ],
    options.latencyMs ?? 0,
    log,
    faults.handler('codecommit'),
  );
  const webhook = (): WebhookTarget | undefined =>
    webhookUrl === undefined ? undefined : { url: webhookUrl, secret: secrets.webhookSecret, log };
  const app = {
    appId: secrets.appId,
    installationId: secrets.appInstallationId,
    privateKeyPem: secrets.appPrivateKeyPem,
  };
  const appKeyFile = join(options.dir, 'github-app-private-key.pem');
  await writeFile(appKeyFile, app.privateKeyPem, { mode: 0o600 });
  const tokens = new GithubTokens(secrets.githubToken, app, options.appTokenTtlMs);
  const ghOptions = {
    dir: githubDir,
    token: secrets.githubToken,
    tokens,
    baseUrl: () => githubBase,
    log,
    webhook,
  };
  const github = serve(
    [createGithubApi(ghOptions), createGithubGit({ ...ghOptions, hooksPath, tmpDir })],
    options.latencyMs ?? 0,
    log,
    faults.handler('github'),
  );
  const ghPort = await listen(github, options.githubPort ?? 0, host);
  const ccPort = await listen(codecommit, options.codecommitPort ?? 0, host);
  const urlHost = advertisedHost(host, options.publicHost);
  githubBase = `http://${urlHost}:${ghPort}`;
  ccBase = `http://${urlHost}:${ccPort}`;
  const info: SandboxInfo = {
    github: {
      apiUrl: `${githubBase}/api/v3`,
      token: secrets.githubToken,
      webhookSecret: secrets.webhookSecret,
      app: { appId: app.appId, installationId: app.installationId, privateKeyFile: appKeyFile },
    },
    codecommit: {
      endpoint: ccBase,
      gitUrl: ccBase,
      region,
      accessKeyId: secrets.accessKeyId,
      secretAccessKey: secrets.secretAccessKey,
    },
    env: {
      GITHUB_API_URL: `${githubBase}/api/v3`,
      GITHUB_TOKEN: secrets.githubToken,
      GH2CC_WEBHOOK_SECRET: secrets.webhookSecret,
      ...(options.seed === 'demo' ? { GH2CC_ORG: DEMO_ORG } : {}),
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: secrets.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secrets.secretAccessKey,
      AWS_ENDPOINT_URL_CODECOMMIT: ccBase,
      GH2CC_CODECOMMIT_GIT_URL: ccBase,
      // gh2cc's notifications then reach the same SNS as the sandbox's triggers.
      ...(options.snsEndpoint === undefined ? {} : { AWS_ENDPOINT_URL_SNS: options.snsEndpoint }),
    },
  };
  // GitHub pings a webhook the moment it is set up.
  const initial = webhook();
  if (initial !== undefined) void sendDeliveries(initial, [pingDelivery(initial.url)]);
  return {
    info,
    dir: options.dir,
    githubDir,
    codecommitDir,
    pushLog: pushLogPath(codecommitDir),
    requestLog: requestLogPath(codecommitDir),
    appTokensIssued: () => tokens.issued,
    appTokens: () => tokens.tokens(),
    setWebhookUrl(url) {
      webhookUrl = url;
      const target = webhook();
      if (target !== undefined) void sendDeliveries(target, [pingDelivery(target.url)]);
    },
    setFaults(rules) {
      faults.set(rules);
    },
    clearFaults() {
      faults.clear();
    },
    faultHits(filter) {
      return faults.hits(filter);
    },
    async close() {
      await Promise.all([close(github), close(codecommit)]);
      await triggers.close();
    },
  };
}
