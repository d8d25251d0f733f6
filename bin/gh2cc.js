#!/usr/bin/env node
// Thin launcher: run the TypeScript entry point through tsx so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK prints on every start that releases after January 2027 will need Node 22. gh2cc supports
// Node 20 with the SDK versions its lockfile pins, so that notice is switched off (a user can turn it on).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
