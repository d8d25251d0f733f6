import { describe, expect, it } from 'vitest';
import { advertisedRefs } from './transport.ts';

describe('the ref advertisement in a packet trace', () => {
  it('reads protocol v2 ls-refs lines (peeled tags too) and v0 lines with capabilities, branches and tags only', () => {
    const sha = (c: string): string => c.repeat(40);
    const trace = [
      '17:45:46.904982 pkt-line.c:80           packet:        fetch> ref-prefix refs/heads/',
      '17:45:46.905016 pkt-line.c:80           packet:          git< ref-prefix refs/heads/',
      `17:45:46.916396 pkt-line.c:80           packet:        fetch< ${sha('a')} refs/heads/main`,
      `17:45:46.916426 pkt-line.c:80           packet:        fetch< ${sha('b')} refs/tags/v0 peeled:${sha('c')}`,
      `17:45:46.916427 pkt-line.c:80           packet:        fetch< ${sha('d')} refs/heads/-odd$(x)\\0multi_ack side-band-64k`,
      `17:45:46.916432 pkt-line.c:80           packet:        fetch< ${sha('f')} refs/heads/\\303\\274/\\37777777703\\37777777674`,
      `17:45:46.916428 pkt-line.c:80           packet:        fetch< ${sha('e')} refs/pull/1/head`,
      `17:45:46.916429 pkt-line.c:80           packet:        fetch< ${sha('b')} refs/tags/v0^{}`,
      `17:45:46.916430 pkt-line.c:80           packet:        fetch> want ${sha('a')}`,
      '17:45:46.916431 pkt-line.c:80           packet:        fetch< packfile',
    ].join('\n');
    expect([...advertisedRefs(trace)]).toEqual([
      ['refs/heads/main', sha('a')],
      ['refs/tags/v0', sha('b')],
      ['refs/heads/-odd$(x)', sha('d')],
      ['refs/heads/ü/ü', sha('f')],
    ]);
  });
});
