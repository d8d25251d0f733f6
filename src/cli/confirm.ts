import { createInterface } from 'node:readline';

/** Above this many new CodeCommit repositories, a migrate run from a terminal asks before creating them. */
export const CONFIRM_CREATES_ABOVE = 10;

export interface ConfirmSituation {
  /** CodeCommit repositories the run would create. */
  readonly creates: number;
  /** `--yes`. */
  readonly yes: boolean;
  /** Someone can answer: stdin and stderr are terminals. */
  readonly interactive: boolean;
  readonly above?: number;
}

/**
 * Whether to ask before going on. Never without a terminal: a script, a CI job or a cron run must not hang
 * on a question nobody sees (it proceeds as it always did); `--yes` skips the question on a terminal too.
 */
export function needsConfirmation(s: ConfirmSituation): boolean {
  return !s.yes && s.interactive && s.creates > (s.above ?? CONFIRM_CREATES_ABOVE);
}

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Asks on the terminal (the question on stderr, so stdout keeps only results); true only for y or yes.
 * Ctrl-C or Ctrl-D answer no.
 */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<boolean>((resolve) => {
      rl.on('SIGINT', () => resolve(false));
      rl.on('close', () => resolve(false));
      rl.question(`${question} [y/N] `, (answer) => resolve(/^y(es)?$/i.test(answer.trim())));
    });
  } finally {
    rl.close();
  }
}
