import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEMO_ORG } from '../sandbox/seed-demo.ts';
import type { CliContext } from './cli-context.ts';
import { runMigrateCli } from './migrate-command.ts';
import { fileLogger } from '../util/file-logger.ts';
import { print, printError } from './output.ts';
import { runVerifyCli } from './verify-command.ts';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'Start the local sandbox with a demo organization, migrate it into CodeCommit, verify, and report',
    )
    .option('--dir <dir>', 'where the demo keeps everything (wiped first)', '.gh2cc/demo')
    .option('--concurrency <n>', 'repositories at once', '4')
    .action(async (opts: { dir: string; concurrency: string }) => {
      const dir = resolve(opts.dir);
      // Only what an earlier demo left is removed, never the folder itself (it may be the working directory).
      for (const entry of ['sandbox', 'cache', 'report.json', 'sandbox.log', 'migrate.log', 'verify.log']) {
        await rm(join(dir, entry), { recursive: true, force: true });
      }
      const { startSandbox } = await import('../sandbox/start-sandbox.ts');
      printError(
        `Starting the sandbox (GitHub- and CodeCommit-compatible servers) with the ${DEMO_ORG} organization…`,
      );
      const sandbox = await startSandbox({
        dir: join(dir, 'sandbox'),
        seed: 'demo',
        log: fileLogger(join(dir, 'sandbox.log'), 'warn'),
      });
      try {
        const env = { ...ctx.env, ...sandbox.info.env, GH2CC_CACHE_DIR: join(dir, 'cache') };
        // The AWS SDK's credential chain reads the sandbox's keys from the process environment itself.
        Object.assign(process.env, sandbox.info.env);
        const reportPath = join(dir, 'report.json');
        const migrated = await runMigrateCli(
          {
            org: DEMO_ORG,
            // Only the sandbox: a gh2cc.yaml of the user's must not steer the demo.
            config: false,
            // The demo creates its repositories in its own sandbox: nothing to confirm.
            yes: true,
            wikis: true,
            concurrency: Number(opts.concurrency),
            report: reportPath,
            logFile: join(dir, 'migrate.log'),
          },
          env,
        );
        print('\nVerifying both sides ref by ref (clone back + git fsck)…');
        const verified = await runVerifyCli(
          { config: false, org: DEMO_ORG, deep: true, logFile: join(dir, 'verify.log') },
          env,
        );
        print(`\nDemo finished. Report: ${migrated.reportFile ?? 'not written (see above)'}`);
        print(`Sandbox state (GitHub and CodeCommit repos, push log): ${sandbox.dir}`);
        ctx.exitCode = migrated.code !== 0 ? migrated.code : verified;
      } finally {
        await sandbox.close();
      }
    });
}
