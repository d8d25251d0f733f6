/** What kind of failure an adapter saw; drives retry decisions and the fix we print. */
export type ErrorCode =
  | 'config'
  | 'usage'
  | 'auth'
  | 'not-found'
  | 'throttled'
  | 'network'
  | 'server'
  | 'too-many-refs'
  | 'invalid-name'
  | 'conflict'
  /** Another gh2cc process on this host holds the repository right now: try again shortly. */
  | 'busy'
  | 'git'
  /** Stopped on request (Ctrl-C, SIGTERM) part-way. */
  | 'interrupted'
  | 'internal';

/** One base for every error gh2cc raises on purpose: a stable code, whether a retry may help, and the cause. */
export class Gh2ccError extends Error {
  override readonly name: string = 'Gh2ccError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** A sentence telling the user how to fix it, when we know. */
  readonly fix: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; fix?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable =
      options.retryable ??
      (code === 'throttled' || code === 'network' || code === 'server' || code === 'busy');
    this.fix = options.fix;
  }
}

export class ConfigError extends Gh2ccError {
  override readonly name = 'ConfigError';
  /** One entry per problem: the key path and what is expected there. */
  readonly problems: readonly { path: string; message: string }[];

  constructor(problems: readonly { path: string; message: string }[], source?: string) {
    const where = source === undefined ? 'configuration' : source;
    super('config', `invalid ${where}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
      retryable: false,
    });
    this.problems = problems;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
