import { Option, type Command } from 'commander';
import { missingFor, VALIDATED_COMMANDS, type ValidatedCommand } from '../config/requirements.ts';
import { findConfigFile, loadCliConfig } from './load-cli-config.ts';
import { SECRET_KEYS } from '../config/schema.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../util/errors.ts';
import type { CliContext } from './cli-context.ts';
import { print, printError } from './output.ts';

function redacted(config: Config): unknown {
  const copy = structuredClone(config) as Record<string, Record<string, unknown>>;
  for (const key of SECRET_KEYS) {
    const [section = '', name = ''] = key.split('.');
    const node = copy[section];
    if (node !== undefined && node[name] !== undefined) node[name] = '(set)';
  }
  return copy;
}

export function registerConfigCommand(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('Inspect and check configuration');
  config
    .command('validate')
    .description('Check a config file plus the environment; one line per problem, exit 2 when any')
    .option(
      '-c, --config <file>',
      'YAML config file (default: GH2CC_CONFIG, else ./gh2cc.yaml, else ~/.config/gh2cc/config.yaml)',
    )
    .addOption(
      new Option('--for <command>', 'also check that everything this command needs is set').choices(
        VALIDATED_COMMANDS,
      ),
    )
    .option('--print', 'print the effective configuration (secrets shown as "(set)")')
    .action(async (opts: { config?: string; for?: ValidatedCommand; print?: boolean }) => {
      try {
        const file = findConfigFile(opts.config, ctx.env);
        const loaded = await loadCliConfig(file, {}, ctx.env);
        const missing = opts.for === undefined ? [] : missingFor(opts.for, loaded);
        if (missing.length > 0) throw new ConfigError(missing, file);
        const scope = opts.for === undefined ? '' : ` for ${opts.for}`;
        print(`configuration OK${scope} (${file ?? 'environment only'})`);
        if (opts.print === true) print(JSON.stringify(redacted(loaded), null, 2));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const p of err.problems) printError(`${p.path}: ${p.message}`);
        printError(`${err.problems.length} problem(s) found`);
        ctx.exitCode = 2;
      }
    });
}
