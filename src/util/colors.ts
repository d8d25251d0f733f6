/** Colours for text meant for a terminal, and the decision whether to use them. */

export type Color = 'red' | 'green' | 'yellow' | 'bold';

/** SGR codes to turn each colour on and off again (only its own attribute, so colours can nest). */
const SGR: Readonly<Record<Color, readonly [number, number]>> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  bold: [1, 22],
};

export function paint(color: Color, text: string): string {
  const [on, off] = SGR[color];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/**
 * Whether output to `stream` gets colours: never with `NO_COLOR` set (https://no-color.org), always with
 * `FORCE_COLOR` set (other than `0` or `false`, which turn them off), else only on a terminal that is not
 * `TERM=dumb`. NO_COLOR wins over FORCE_COLOR: it is the user's explicit wish for plain text.
 */
export function colorEnabled(
  env: Readonly<Record<string, string | undefined>>,
  stream: { readonly isTTY?: boolean },
): boolean {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}
