#!/usr/bin/env node
// Thin launcher. It runs the compiled JavaScript in dist/ (`npm run build`, done by `npm ci` through the
// `prepare` script) when that build is at least as new as every source file, so starting pays no TypeScript
// transpilation; otherwise (a fresh edit, no build yet) it runs the TypeScript through tsx, so the code that
// runs is always the code on disk.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

// The AWS SDK prints on every start that releases after January 2027 will need Node 22. gh2cc supports
// Node 20 with the SDK versions its lockfile pins, so that notice is switched off (a user can turn it on).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/.build-stamp`;

/** Newest modification time of the TypeScript under `dir` (0 when there is none, as in a packed install). */
function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

function builtIsCurrent() {
  if (process.env.GH2CC_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return newestSource(`${root}src`) <= built && newestSource(`${root}workers`) <= built;
}

let main;
if (builtIsCurrent()) {
  ({ main } = await import('../dist/src/cli/main.js'));
} else {
  // tsx is a development dependency: an installed package always has a current dist/ and never gets here.
  const { register } = await import('tsx/esm/api').catch(() => {
    console.error('gh2cc: dist/ is missing or older than the sources; build it with `npm run build`');
    process.exit(2);
  });
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
