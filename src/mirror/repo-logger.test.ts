import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { repoLogger } from './repo-session.ts';

function capture(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().trimEnd().split('\n'));
      done();
    },
  });
  return { log: pino({ base: null, timestamp: false }, sink), lines };
}

const keyCount = (line: string, key: string): number => line.split(`"${key}":`).length - 1;

describe('repoLogger', () => {
  it('names the repository and target once, also under a job logger that names the repository already', () => {
    const { log, lines } = capture();
    repoLogger(log, 'acme/api', 'api').info('plain');
    repoLogger(log.child({ jobId: '7', repo: 'acme/api' }), 'acme/api', 'api').info('under a job');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(keyCount(line, 'repo'), line).toBe(1);
      expect(keyCount(line, 'target'), line).toBe(1);
      expect(JSON.parse(line)).toMatchObject({ repo: 'acme/api', target: 'api' });
    }
  });
});
