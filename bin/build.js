#!/usr/bin/env node
// Compiles src/ and workers/ to dist/ (what bin/gh2cc.js runs when it is current) and stamps the time the
// compile started, so a source file saved during the build still counts as newer than the build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = new Date();
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies: bin/gh2cc.js runs the TypeScript through tsx instead.
  console.error('gh2cc: typescript is not installed; skipping the build (gh2cc will run from source)');
  process.exit(0);
}
rmSync(`${root}dist`, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync(`${root}dist`, { recursive: true });
writeFileSync(`${root}dist/.build-stamp`, `${started.toISOString()}\n`);
utimesSync(`${root}dist/.build-stamp`, started, started);
