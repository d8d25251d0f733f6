// The Dockerfile built without a Docker engine, as far as a CI machine can (docker-build.ts): the build context
// filtered by .dockerignore, COPY, WORKDIR and ENV carried out, the npm steps run for real, then the image's
// entrypoint runs from the folder standing in for it. Two npm installs and a TypeScript build take over a minute
// on two cores: this runs in `npm run test:long`; dockerfile.test.ts holds the Dockerfile's quick checks.
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/git.ts';
import { runCommand, type FinishedRun } from '../helpers/processes.ts';
import { containerCommand, emulateBuild, type BuiltStage } from './docker-build.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8');

/** Runs `docker run IMAGE ...args` as the host can: the entrypoint's command with the image's ENV. */
function runImage(
  image: BuiltStage,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<FinishedRun> {
  const [command = '', ...rest] = containerCommand(image, args);
  return runCommand(command, rest, {
    cwd: join(image.root, image.workdir),
    env: { PATH: process.env['PATH'] ?? '', HOME: image.root, ...image.env, ...env },
  });
}

describe('the Dockerfile built without Docker', () => {
  let out: string | undefined;
  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('runs its npm steps and the image runs gh2cc from /app with no tsx, TypeScript or sources', async () => {
    out = await tempDir('gh2cc-docker-build-');
    const build = await emulateBuild(DOCKERFILE, REPO, IGNORE, out);
    // What could not run here needs the image's root filesystem; nothing else is left out.
    expect(build.notRun).toHaveLength(2);
    expect(build.notRun[0]).toMatch(/^apt-get update/);
    expect(build.notRun[1]).toMatch(/^mkdir -p \/data/);

    const image = build.stages.at(-1);
    if (image === undefined) throw new Error('no stage');
    const app = join(image.root, image.workdir);
    expect((await readdir(app)).sort()).toEqual([
      'bin',
      'config',
      'dist',
      'node_modules',
      'package-lock.json',
      'package.json',
      'schemas',
    ]);
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint']) {
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    }
    expect(image.user).toBe('node');
    expect(image.volumes).toEqual(['/data']);
    expect(image.env['GH2CC_CACHE_DIR']?.startsWith('/data/')).toBe(true);

    // docker run IMAGE → the help; docker run IMAGE migrate --help; docker run IMAGE config validate …
    const help = await runImage(image, []);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gh2cc /);
    const migrate = await runImage(image, ['migrate', '--help']);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/^Usage: gh2cc migrate /);
    const validated = await runImage(image, [
      'config',
      'validate',
      '--config',
      '/app/config/gh2cc.example.yaml',
    ]);
    expect(validated.code, validated.stderr).toBe(0);
    // Two npm installs and a TypeScript build: about 40 s on a quiet 2-core machine.
  }, 240_000);
});
