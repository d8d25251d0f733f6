import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseLogLevel, parseNonNegative, parsePort } from './parse-options.ts';
import { stopRequested } from './stop-signals.ts';
import type { CliContext } from './cli-context.ts';
import { printRaw } from './output.ts';

export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description('Run local GitHub-compatible and CodeCommit-compatible servers until Ctrl-C')
    .option('--dir <dir>', 'state folder (repos, metadata, push log)', '.gh2cc/sandbox')
    .option('--seed <name>', 'create a sample organization: demo')
    .option('--github-port <port>', 'GitHub port (0 = any free port)', parsePort, 0)
    .option('--codecommit-port <port>', 'CodeCommit port (0 = any free port)', parsePort, 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--public-host <host>',
      'host name put in the URLs the sandbox advertises, e.g. a compose service name (env GH2CC_SANDBOX_PUBLIC_HOST; default: --host, loopback for 0.0.0.0)',
    )
    .option(
      '--write-env <path>',
      "also write the environment that points gh2cc at the sandbox to this file (KEY=value lines, mode 600), for `node --env-file` or compose's env_file",
    )
    .option('--region <region>', 'AWS region the CodeCommit side pretends to be', 'us-east-1')
    .option('--latency <ms>', 'delay added to every request', parseNonNegative, 0)
    .option('--webhook-url <url>', 'where to send GitHub-style webhooks for pushes')
    .option(
      '--sns-endpoint <url>',
      'SNS-compatible endpoint (e.g. moto) that CodeCommit repository triggers publish to (default: AWS_ENDPOINT_URL_SNS)',
    )
    .option('--log-level <level>', 'log level (logs go to stderr)', parseLogLevel, 'info')
    .action(
      async (opts: {
        dir: string;
        seed?: string;
        githubPort: number;
        codecommitPort: number;
        host: string;
        publicHost?: string;
        writeEnv?: string;
        region: string;
        latency: number;
        webhookUrl?: string;
        snsEndpoint?: string;
        logLevel: string;
      }) => {
        if (opts.seed !== undefined && opts.seed !== 'demo') {
          throw new InvalidArgumentError(`unknown seed '${opts.seed}' (available: demo)`);
        }
        // Loaded on use: the CLI starts fast for commands (like git-credential) that never need the sandbox.
        const { startSandbox } = await import('../sandbox/start-sandbox.ts');
        const { createLogger } = await import('../util/logger.ts');
        const log = createLogger({ level: opts.logLevel as 'info' });
        // Listening before anything is announced: the JSON line below tells a script it may now stop the
        // sandbox, and a SIGTERM that came before the listener would kill the process with the default action.
        const stop = stopRequested();
        const snsEndpoint = opts.snsEndpoint ?? (ctx.env['AWS_ENDPOINT_URL_SNS'] || undefined);
        const publicHost = opts.publicHost ?? (ctx.env['GH2CC_SANDBOX_PUBLIC_HOST'] || undefined);
        const sandbox = await startSandbox({
          dir: resolve(opts.dir),
          ...(opts.seed === 'demo' ? { seed: 'demo' as const } : {}),
          githubPort: opts.githubPort,
          codecommitPort: opts.codecommitPort,
          host: opts.host,
          ...(publicHost === undefined ? {} : { publicHost }),
          region: opts.region,
          latencyMs: opts.latency,
          ...(opts.webhookUrl === undefined ? {} : { webhookUrl: opts.webhookUrl }),
          ...(snsEndpoint === undefined ? {} : { snsEndpoint }),
          log,
        });
        if (opts.writeEnv !== undefined) {
          const { writeEnvFile } = await import('../sandbox/env-file.ts');
          await writeEnvFile(resolve(opts.writeEnv), sandbox.info.env);
        }
        // The one line a script reads to find the servers; it carries the sandbox's own throwaway secrets.
        printRaw(`${JSON.stringify(sandbox.info)}\n`);
        log.info({ dir: sandbox.dir }, 'sandbox running; Ctrl-C to stop');
        await stop;
        await sandbox.close();
        log.info('sandbox stopped');
      },
    );
}
