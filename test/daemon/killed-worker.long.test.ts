// The continuous-mirroring issue's scenario at its full size: twenty repositories receiving pushes, one of two
// workers SIGKILLed mid-sync. `npm test` plays it on six (workers.test.ts); this runs in `npm run test:long`.
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { killOneOfTwoWorkers, workerFixture, type WorkerFixture } from '../helpers/worker-fixture.ts';

const REPOS = 20;

describe('gh2cc worker processes on a shared Redis, twenty repositories', { timeout: 300_000 }, () => {
  let f: WorkerFixture;

  beforeAll(async () => {
    f = await workerFixture(inject('redisUrl'), 'korg', REPOS);
  });

  afterAll(async () => {
    await f.close();
  });

  it('ends with all 20 repositories verified when one of two workers is SIGKILLed mid-sync while GitHub receives pushes; never two pushes to one repo at once', async () => {
    await killOneOfTwoWorkers(f, REPOS);
  });
});
