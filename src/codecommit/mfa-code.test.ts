import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Gh2ccError } from '../util/errors.ts';
import { mfaCodeProvider } from './mfa-code.ts';

const DEVICE = 'arn:aws:iam::111111111111:mfa/alice';

function terminal(isTTY: boolean) {
  const input = Object.assign(new PassThrough(), { isTTY });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (b: Buffer) => (shown += b.toString()));
  return { io: { input, output }, input, shown: () => shown };
}

describe('mfaCodeProvider', () => {
  it('asks on the prompt stream until six digits are typed', async () => {
    const t = terminal(true);
    const code = mfaCodeProvider({}, t.io)(DEVICE);
    t.input.write('12 34\n');
    t.input.write(' 654321 \n');
    await expect(code).resolves.toBe('654321');
    expect(t.shown()).toBe(
      `MFA code for ${DEVICE}: expected the 6 digits the MFA device shows\nMFA code for ${DEVICE}: `,
    );
  });

  it('a configured code is used without asking; no terminal and no code is a config error', async () => {
    const t = terminal(false);
    await expect(mfaCodeProvider({ mfaCode: '135790' }, t.io)(DEVICE)).resolves.toBe('135790');
    const err = await mfaCodeProvider({}, t.io)(DEVICE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Gh2ccError);
    expect(err).toMatchObject({ code: 'config', fix: expect.stringContaining('GH2CC_MFA_CODE') as string });
    expect(t.shown()).toBe('');
  });
});
