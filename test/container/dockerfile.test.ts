// The Dockerfile and .dockerignore checked without a Docker engine: parsed and linted (dockerfile-utils), held
// to what the image must be. The build itself, as far as a CI machine can run it, is docker-build.long.test.ts
// (`npm run test:long`): two npm installs and a TypeScript build take over a minute on two cores.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { contextFiles, dockerignore, jsonArgs, parseDockerfile } from './docker-build.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8');
const parsed = parseDockerfile(DOCKERFILE);

function keywords(stage: (typeof parsed.stages)[number] | undefined): string[] {
  return (stage?.instructions ?? []).map((i) => i.getKeyword());
}

describe('Dockerfile', () => {
  it('parses without a problem and builds FROM one pinned Node LTS release', () => {
    expect(validate(DOCKERFILE)).toEqual([]);
    expect(parsed.stages.length).toBeGreaterThanOrEqual(2);
    const version = parsed.args['NODE_VERSION'] ?? '';
    // Even majors are the LTS lines; .ci/run reads this same ARG to run the tests on it.
    expect(version).toMatch(/^\d*[02468]\.\d+\.\d+$/);
    for (const stage of parsed.stages) expect(stage.image).toBe(`node:${version}-bookworm-slim`);
    expect(readFileSync(join(REPO, '.ci/run'), 'utf8')).toContain('NODE_VERSION');
  });

  it('runs as a non-root user under tini, with gh2cc as the entrypoint, a health check and a /data volume', () => {
    const final = parsed.stages.at(-1);
    const words = keywords(final);
    for (const k of ['USER', 'ENTRYPOINT', 'CMD', 'HEALTHCHECK', 'VOLUME']) expect(words, k).toContain(k);
    const content = (k: string): string[] =>
      (final?.instructions ?? [])
        .filter((i) => i.getKeyword() === k)
        .map((i) => i.getArgumentsContent() ?? '');
    expect(content('USER')).toEqual(['node']);
    expect(JSON.parse(content('ENTRYPOINT')[0] ?? '[]')).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '/app/bin/gh2cc.js',
    ]);
    expect(content('RUN').join('\n')).toMatch(/apt-get install .*\btini\b/);
    // Only the build stage sees the whole context: the image gets the build's output, not the sources.
    expect(content('COPY')).not.toContain('. .');
  });

  it(".dockerignore keeps the host's node_modules, dist, secrets, state, .git and the tests out of the context", async () => {
    const excluded = dockerignore(IGNORE);
    for (const path of [
      '.env',
      '.env.production',
      '.gh2cc/cache/acme/api.git/HEAD',
      'node_modules/tsx/package.json',
      'dist/src/cli/main.js',
      'dist/.build-stamp',
      '.git/config',
      'test/install/install.test.ts',
      'src/sandbox/codecommit-triggers.test.ts',
      'gh2cc-report.json',
      'coverage/index.html',
      '.tmp/x',
    ]) {
      expect(excluded(path), path).toBe(true);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'bin/build.js',
      'src/cli/main.ts',
      'tsconfig.build.json',
    ]) {
      expect(excluded(path), path).toBe(false);
    }
    const context = await contextFiles(REPO, IGNORE);
    expect(context.filter((f) => /^(node_modules|dist|test|\.git|\.gh2cc)\/|(^|\/)\.env/.test(f))).toEqual(
      [],
    );
    expect(context).toContain('src/cli/main.ts');
  });

  it("the image's HEALTHCHECK passes while /healthz answers 200 on GH2CC_PORT and fails when nothing listens", async () => {
    const instruction = parsed.stages.at(-1)?.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK');
    if (instruction === undefined) throw new Error('no HEALTHCHECK');
    const [command = '', ...args] = jsonArgs(instruction);
    const check = (port: number): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn(command, args, {
          env: { ...process.env, GH2CC_PORT: String(port) },
          stdio: 'ignore',
        });
        child.on('close', resolve);
      });
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await check(port)).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check(port)).toBe(1);
  });
});
