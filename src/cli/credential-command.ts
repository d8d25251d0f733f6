import type { Command } from 'commander';
import {
  answerCredentialRequest,
  formatCredential,
  parseCredentialRequest,
} from '../codecommit/credential-helper.ts';
import { addAwsOptions, awsOverrides, type AwsCliOptions } from './aws-options.ts';
import type { CliContext } from './cli-context.ts';
import { loadCliConfig } from './load-cli-config.ts';
import { printRaw } from './output.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerCredentialCommand(program: Command, _ctx: CliContext): void {
  addAwsOptions(program.command('git-credential'))
    .description(
      "git credential helper for CodeCommit HTTPS (SigV4-derived password); use as credential.helper='!gh2cc git-credential'",
    )
    .argument('<operation>', 'get | store | erase (git calls these)')
    .option('-c, --config <file>', 'YAML config file')
    .action(async (operation: string, opts: AwsCliOptions & { config?: string }) => {
      const input = await readStdin();
      // store/erase: the password is derived on demand and expires, so there is nothing to keep or forget.
      if (operation !== 'get') return;
      const config = await loadCliConfig(opts.config, awsOverrides(opts));
      const request = parseCredentialRequest(input);
      if (config.codecommit.gitAuth === 'https-git-credentials') {
        const { gitUsername, gitPassword } = config.codecommit;
        if (gitUsername !== undefined && gitPassword !== undefined) {
          printRaw(formatCredential({ username: gitUsername, password: gitPassword }));
        }
        return;
      }
      // Only here: git calls the helper often, and the SDK's credential chain is slow to load.
      const { awsCredentialProvider } = await import('../codecommit/aws-credentials.ts');
      const creds = await awsCredentialProvider(config)();
      printRaw(formatCredential(answerCredentialRequest(request, creds, config.aws.region)));
    });
}
