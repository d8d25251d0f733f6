import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { addSecret, clearSecrets, sanitize } from './secrets.ts';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logger and secrets sanitizer', () => {
  afterEach(() => clearSecrets());

  it('never prints a registered secret: in messages, URLs, nested fields, errors and their causes', () => {
    const secret = 'ghp_0123456789abcdefSECRET';
    addSecret(secret);
    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    log.info(`cloning https://x-access-token:${secret}@github.com/acme/repo.git`);
    log.info(
      { url: `https://user:${encodeURIComponent(secret)}@host/x`, deep: { list: [`Bearer ${secret}`] } },
      'nested',
    );
    log.error(
      { err: new Error(`auth failed for ${secret}`, { cause: new Error(`inner ${secret}`) }) },
      'failed',
    );
    log.warn({ header: `Basic ${Buffer.from(`x-access-token:${secret}`).toString('base64')}` }, 'basic');
    const text = out.text();
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(text).not.toContain(Buffer.from(`x-access-token:${secret}`).toString('base64'));
    expect(text.match(/\*\*redacted\*\*/g)?.length).toBeGreaterThanOrEqual(6);
    expect(text).toContain('github.com/acme/repo.git');
  });

  it('redacts secret-named fields even when the value was never registered', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info(
      { token: 'unregistered-token-value', github: { token: 'another-one-here' }, authorization: 'AWS4 xyz' },
      'fields',
    );
    const text = out.text();
    expect(text).not.toContain('unregistered-token-value');
    expect(text).not.toContain('another-one-here');
    expect(text).not.toContain('AWS4 xyz');
  });

  it('leaves text alone when no secret is registered, and ignores very short values', () => {
    addSecret('abc');
    expect(sanitize('abc def')).toBe('abc def');
  });
});
