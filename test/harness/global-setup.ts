import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { SandboxInfo } from '../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../src/util/logger.ts';
import { startMoto, startRedis } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    motoUrl: string;
    sandbox: SandboxInfo;
    sandboxDir: string;
  }
}

/** Starts one private Redis, one moto_server and one sandbox for the whole test run, and stops them after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, moto] = await Promise.all([startRedis(), startMoto()]);
  const dir = await mkdtemp(join(tmpdir(), 'gh2cc-test-sandbox-'));
  const sandbox = await startSandbox({ dir, log: createLogger({ level: 'silent' }) });
  project.provide('redisUrl', redis.url);
  project.provide('motoUrl', moto.url);
  project.provide('sandbox', sandbox.info);
  project.provide('sandboxDir', dir);
  return async () => {
    await sandbox.close();
    await Promise.all([redis.stop(), moto.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
