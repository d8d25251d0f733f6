import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, Gh2ccError } from '../util/errors.ts';
import { printError } from './output.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliContext } from './cli-context.ts';
import { registerConfigCommand } from './config-command.ts';
import { registerCredentialCommand } from './credential-command.ts';
import { registerSandboxCommand } from './sandbox-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerVerifyCommand } from './verify-command.ts';
import { registerDriftCommand } from './drift-command.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerDaemonCommand, registerServeCommand, registerWorkerCommand } from './worker-command.ts';
import { registerStatusCommand } from './status-command.ts';
import { registerSyncCommand } from './sync-command.ts';
import { registerIamCommand } from './iam-command.ts';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('gh2cc')
    .description('Migrate GitHub organizations into AWS CodeCommit and keep them mirrored')
    .version('0.1.0')
    .exitOverride();
  registerMigrateCommand(program, ctx);
  registerVerifyCommand(program, ctx);
  registerDriftCommand(program, ctx);
  registerDemoCommand(program, ctx);
  registerWorkerCommand(program, ctx);
  registerDaemonCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerSyncCommand(program, ctx);
  registerIamCommand(program, ctx);
  registerConfigCommand(program, ctx);
  registerCredentialCommand(program, ctx);
  registerSandboxCommand(program, ctx);
  oneLineErrors(program);
  return program;
}

/**
 * A mistyped option gets one line naming the mistake and where help is, not the whole help (which buries
 * the error above a screenful of options). Set on every command once all are registered: a subcommand copies
 * its parent's output settings only when it is created.
 */
function oneLineErrors(cmd: Command, path: readonly string[] = []): void {
  const name = [...path, cmd.name()];
  cmd.configureOutput({
    outputError: (str, write) => write(`${usageLine(str)}; see ${name.join(' ')} --help\n`),
  });
  for (const sub of cmd.commands) oneLineErrors(sub, name);
}

/**
 * Commander's message on one line: its "(Did you mean …?)" hint comes on a line of its own, and a closing full
 * stop would read ".; see --help".
 */
function usageLine(message: string): string {
  return message
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
}

/** Runs the CLI; returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  const ctx: CliContext = { exitCode: EXIT_OK, env: process.env };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  // Thrown by an action's own check of its options (commander prints only the errors it raises itself).
  if (err instanceof InvalidArgumentError) {
    printError(`error: ${usageLine(err.message)}; see --help`);
    return EXIT_USAGE;
  }
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return EXIT_OK;
    return EXIT_USAGE;
  }
  if (err instanceof ConfigError) {
    for (const p of err.problems) printError(`config error: ${p.path}: ${p.message}`);
    return EXIT_USAGE;
  }
  if (err instanceof Gh2ccError) {
    printError(`error: ${err.message}`);
    if (err.fix !== undefined) printError(`fix: ${err.fix}`);
    return err.code === 'usage' || err.code === 'config' ? EXIT_USAGE : EXIT_FAILED;
  }
  printError(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT_FAILED;
}
