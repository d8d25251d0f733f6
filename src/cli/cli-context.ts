/** Exit codes of every command: 0 success, 1 some work failed, 2 configuration or usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** `gh2cc drift` and friends: the comparison ran and found differences. */
export const EXIT_DRIFT = 3;
/** Stopped by Ctrl-C before anything changed (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Shared by every command of one run: actions set the exit code here instead of exiting. */
export interface CliContext {
  exitCode: number;
  /** The environment configuration is read from (process.env, or the demo's sandbox environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
}
