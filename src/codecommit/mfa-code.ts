import { createInterface } from 'node:readline';
import type { Config } from '../config/schema.ts';
import { Gh2ccError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';

/** Where a code is asked for: a terminal on stdin, the question on stderr (stdout may be piped to a script). */
export interface MfaPromptIo {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly output: NodeJS.WritableStream;
}

const CODE = /^\d{6}$/;

/**
 * What AssumeRole asks for when a profile has `mfa_serial` or `aws.mfaSerial` is set: `aws.mfaCode`
 * (`--mfa-code`, `GH2CC_MFA_CODE`), else the code typed at the terminal. Without either, a usage error saying
 * how to pass one: a run that cannot ask must not wait for an answer.
 */
export function mfaCodeProvider(
  aws: Pick<Config['aws'], 'mfaCode'>,
  io: MfaPromptIo = { input: process.stdin, output: process.stderr },
): (serial: string) => Promise<string> {
  return async (serial) => {
    if (aws.mfaCode !== undefined) return aws.mfaCode;
    if (io.input.isTTY !== true) {
      throw new Gh2ccError(
        'config',
        `AWS needs a code from the MFA device ${serial}, and there is no terminal to ask for it on`,
        {
          retryable: false,
          fix: 'set GH2CC_MFA_CODE to the current code (or pass --mfa-code CODE, which other users can see in ps)',
        },
      );
    }
    // Lines are read from an iterator, which keeps what was typed ahead of the prompt.
    const rl = createInterface({ input: io.input, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        io.output.write(`MFA code for ${serial}: `);
        const line = await lines.next();
        if (line.done === true) break;
        const answer = line.value.trim();
        if (CODE.test(answer)) {
          addSecret(answer);
          return answer;
        }
        io.output.write('expected the 6 digits the MFA device shows\n');
      }
    } finally {
      rl.close();
    }
    throw new Gh2ccError('config', `no valid MFA code for ${serial} was typed`, { retryable: false });
  };
}
