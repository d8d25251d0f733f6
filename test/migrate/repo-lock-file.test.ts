import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockCacheEntry } from '../../src/git/cache-lock.ts';
import { Gh2ccError } from '../../src/util/errors.ts';
import { tempDir } from '../helpers/git.ts';

describe('mirror cache lock (one gh2cc process per repository on a host)', () => {
  it('refuses a second holder while the first lives, and takes over from a dead one', async () => {
    const cacheDir = await tempDir('gh2cc-lock-');
    const entry = join(cacheDir, 'acme', 'api.git');
    const release = await lockCacheEntry(entry);
    const second = await lockCacheEntry(entry).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Gh2ccError);
    expect((second as Gh2ccError).message).toContain(`pid ${process.pid}`);
    await release();
    const again = await lockCacheEntry(entry);
    await again();

    // A holder that has exited leaves a stale lock behind: it is taken over.
    const child = spawn('true');
    const deadPid = child.pid ?? 0;
    await new Promise((r) => child.on('exit', r));
    await mkdir(join(cacheDir, '.locks', 'acme'), { recursive: true });
    await writeFile(
      join(cacheDir, '.locks', 'acme', 'api.git.lock'),
      JSON.stringify({ pid: deadPid, host: hostname() }),
    );
    const takeover = await lockCacheEntry(entry);
    await takeover();
  });
});
