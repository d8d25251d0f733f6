import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak.ts';

// The quick version of `npm run soak` (200 repos, 6 rounds): the same faults on a small org.
describe('soak: workers SIGKILLed, Redis SIGKILLed, transient faults everywhere, GitHub changing', () => {
  it(
    'ends with every repository equal to GitHub, no ref lost, no overlapping pushes',
    { timeout: 240_000 },
    async () => {
      const r = await runSoak({
        repos: 6,
        rounds: 1,
        workers: 2,
        seed: 7,
        redisRestart: true,
        deadlineMs: 200_000,
        print: (line) => console.log(line),
      });
      console.log(JSON.stringify(r));
      expect(r.workerKills + r.redisRestarts).toBeGreaterThan(0);
      expect(r.faultsHit).toBeGreaterThan(0);
      expect(r.githubChanges).toBeGreaterThan(0);
      expect(r.lost).toEqual([]);
      expect(r.reposVerified).toBe(r.repos);
      expect(r.overlappingPushes).toEqual([]);
    },
  );
});
