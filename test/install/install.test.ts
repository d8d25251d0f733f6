import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git.ts';
import { runCommand, type FinishedRun } from '../helpers/processes.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGION_HOST = 'git-codecommit.eu-west-1.amazonaws.com';

interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
  /** The clone's copy and the tarball's folder, removed after the tests. */
  readonly dirs: readonly string[];
}

/**
 * Packs the package as `npm pack` does in a fresh clone, from a copy of the files git would check out (the
 * shared working tree's own dist/ is neither used nor rebuilt). The copy also holds what a developer's clone
 * gathers and the package must never carry: a `.env`, a `.gh2cc/` state folder, an old report.
 */
async function packFreshClone(): Promise<Packed> {
  const copy = await tempDir('gh2cc-pack-src-');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  });
  const paths = stdout.split('\0').filter((p) => p !== '' && existsSync(join(REPO, p)));
  for (const p of paths) {
    await mkdir(dirname(join(copy, p)), { recursive: true });
    await cp(join(REPO, p), join(copy, p));
  }
  await symlink(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  await writeFile(join(copy, '.env'), 'GITHUB_TOKEN=ghp_not_to_be_packed\n');
  await mkdir(join(copy, '.gh2cc', 'cache'), { recursive: true });
  await writeFile(join(copy, '.gh2cc', 'cache', 'state.json'), '{}\n');
  await writeFile(join(copy, 'gh2cc-report.json'), '{}\n');
  const out = await tempDir('gh2cc-pack-out-');
  // `npm pack` runs the `prepare` script: dist/ is built in the copy, as it is in a clone.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: copy,
    maxBuffer: 64 * 1024 * 1024,
  });
  // The build prints tsc's output before npm's JSON.
  const json = packed.stdout.slice(packed.stdout.indexOf('['));
  const [info] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack printed no result: ${packed.stdout}`);
  return { tarball: join(out, info.filename), files: info.files.map((f) => f.path), dirs: [copy, out] };
}

/** Runs a command with only the installed prefix and the current node on PATH, in a folder of its own. */
function runInstalled(
  prefix: string,
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  stdin = '',
): Promise<FinishedRun> {
  const [command = '', ...rest] = args;
  return runCommand(command, rest, {
    cwd,
    env: {
      PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
      HOME: cwd,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      ...env,
    },
    stdin,
  });
}

describe('the packed package', () => {
  let packed: Packed;
  let prefix: string;
  let elsewhere: string;

  beforeAll(async () => {
    packed = await packFreshClone();
    prefix = await tempDir('gh2cc-prefix-');
    elsewhere = await tempDir('gh2cc-elsewhere-');
    // What the README says, into a private prefix; the npm cache the checkout's `npm ci` filled serves it.
    await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        packed.tarball,
      ],
      { cwd: elsewhere, maxBuffer: 64 * 1024 * 1024 },
    );
  }, 120_000);

  afterAll(async () => {
    // An installed prefix is about 130 MB of dependencies: nothing is left behind in the temp folder.
    const dirs = [...(packed?.dirs ?? []), prefix, elsewhere].filter((d) => d !== undefined);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('carries the built bin, dist/, the schemas and the README, and no sources, tests or local state', () => {
    const { files } = packed;
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/gh2cc.js',
        'dist/.build-stamp',
        'dist/src/cli/main.js',
        'dist/workers/start-workers.js',
        'schemas/notification.v1.schema.json',
        'config/gh2cc.example.yaml',
      ]),
    );
    if (existsSync(join(REPO, 'LICENSE'))) expect(files).toContain('LICENSE');
    const unwanted = files.filter(
      (f) =>
        /^(src|workers|test|bench|node_modules|\.gh2cc|\.ci)\//.test(f) ||
        /(^|\/)\.env$|\.ts$|\.map$|^tsconfig|^Dockerfile$|^docker-compose|^gh2cc-report.*\.json$/.test(f) ||
        f === 'bin/build.js',
    );
    expect(unwanted).toEqual([]);
  });

  it('installs with npm install -g and runs from another folder without tsx or TypeScript sources', async () => {
    const installed = join(prefix, 'lib', 'node_modules', 'gh2cc');
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'typescript'))).toBe(false);
    expect(await readdir(elsewhere)).toEqual([]);

    const help = await runInstalled(prefix, elsewhere, ['gh2cc', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gh2cc /);
    expect(help.stdout).toContain('git-credential');

    const example = join(installed, 'config', 'gh2cc.example.yaml');
    const validate = await runInstalled(prefix, elsewhere, [
      'gh2cc',
      'config',
      'validate',
      '--config',
      example,
    ]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('configuration OK');
  });

  it("answers git through the README's credential.helper line, from a folder that is no clone of gh2cc", async () => {
    const fill = await runInstalled(
      prefix,
      elsewhere,
      [
        'git',
        '-c',
        `credential.https://${REGION_HOST}.helper=!gh2cc git-credential`,
        '-c',
        `credential.https://${REGION_HOST}.useHttpPath=true`,
        'credential',
        'fill',
      ],
      { AWS_ACCESS_KEY_ID: 'AKIAINSTALLTEST00001', AWS_SECRET_ACCESS_KEY: 'install-test-secret' },
      `url=https://${REGION_HOST}/v1/repos/demo\n\n`,
    );
    expect(fill.code, fill.stderr).toBe(0);
    expect(fill.stdout).toContain('username=AKIAINSTALLTEST00001\n');
    // CodeCommit's SigV4-derived password: the signing time, then the hex signature.
    expect(fill.stdout).toMatch(/\npassword=\d{8}T\d{6}Z[0-9a-f]{64}\n/);
  });
});
