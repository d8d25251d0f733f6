import { describe, expect, it } from 'vitest';
import { colorEnabled, paint } from './colors.ts';

describe('colorEnabled', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a terminal and nothing else by default', () => {
    expect(colorEnabled({}, tty)).toBe(true);
    expect(colorEnabled({}, pipe)).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled({ TERM: 'dumb' }, tty)).toBe(false);
  });

  it('never colours with NO_COLOR, even when FORCE_COLOR is set too', () => {
    expect(colorEnabled({ NO_COLOR: '1' }, tty)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1', FORCE_COLOR: '1' }, tty)).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(colorEnabled({ NO_COLOR: '' }, tty)).toBe(true);
  });

  it('colours a pipe with FORCE_COLOR, and FORCE_COLOR=0 turns colours off on a terminal', () => {
    expect(colorEnabled({ FORCE_COLOR: '1' }, pipe)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: 'true' }, pipe)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, tty)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: 'false' }, tty)).toBe(false);
  });
});

describe('paint', () => {
  it('turns off only its own attribute, so colours nest', () => {
    expect(paint('red', `a ${paint('bold', 'b')} c`)).toBe('\u001b[31ma \u001b[1mb\u001b[22m c\u001b[39m');
  });
});
