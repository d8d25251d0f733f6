import { Writable } from 'node:stream';
import { afterEach, expect, it, vi } from 'vitest';
import { createLogger } from './logger.ts';
import { repeatLimitedWarn } from './repeat-limited-log.ts';

afterEach(() => vi.useRealTimers());

it('logs a repeating warning once, then once per interval with how many were held back; another key at once', () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const log = createLogger({ level: 'info', destination: stream });
  vi.useFakeTimers({ now: 1_000_000 });
  const warn = repeatLimitedWarn(log, 30_000);
  // Five connections retrying, ten times a second, for 40 s.
  for (let t = 0; t < 400; t += 1) {
    for (let c = 0; c < 5; c += 1) warn('ECONNREFUSED', { err: 'connect ECONNREFUSED' }, 'Redis unreachable');
    vi.advanceTimersByTime(100);
  }
  warn('NOAUTH', { err: 'NOAUTH Authentication required' }, 'Redis unreachable');
  expect(lines.map((l) => [l['err'], l['repeated']])).toEqual([
    ['connect ECONNREFUSED', undefined],
    ['connect ECONNREFUSED', 1499],
    ['NOAUTH Authentication required', undefined],
  ]);
});
