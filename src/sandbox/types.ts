import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { GithubTokens } from './github/app-tokens.ts';

/** A route handler: answers the request and returns true, or returns false when the path is not its own. */
export type SandboxHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface SandboxCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface CodeCommitSandboxOptions {
  /** State root of the CodeCommit side: bare repos live in `${dir}/repos/<name>.git`, metadata in `${dir}/state.json`. */
  readonly dir: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: SandboxCredentials;
  readonly log: Logger;
  /** Clock, injectable for tests of signature expiry. */
  readonly now?: () => Date;
}

export interface GithubSandboxOptions {
  /** State root of the GitHub side: bare repos in `${dir}/<owner>/<repo>.git`, metadata in `${dir}/<owner>.yaml`. */
  readonly dir: string;
  /** The admin token (a site administrator's personal token). */
  readonly token: string;
  /** The admin token plus the App's JWT and installation tokens; without it only `token` is accepted. */
  readonly tokens?: GithubTokens;
  /** Public base URL of the sandbox server, e.g. http://127.0.0.1:4010 (REST is under `${baseUrl}/api/v3`). */
  readonly baseUrl: () => string;
  readonly log: Logger;
  /** Where organization webhooks go right now (undefined: none are sent). */
  readonly webhook?: () => { readonly url: string; readonly secret: string } | undefined;
}
