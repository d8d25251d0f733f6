import { describe, it } from 'vitest';
import { classifyGitError } from './classify-git-error.ts';

describe('classifyGitError', () => {
  it.for([
    ['error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500', 'server', true],
    ['fatal: unable to access …: The requested URL returned error: 503', 'server', true],
    ['fatal: unable to access …: Recv failure: Connection reset by peer', 'network', true],
    ['fatal: unable to access …: Failed to connect to 127.0.0.1 port 9: Connection refused', 'network', true],
    ['fatal: unable to access …: The requested URL returned error: 429', 'throttled', true],
    ['fatal: Authentication failed for …', 'auth', false],
    ['fatal: repository … not found', 'not-found', false],
  ] as const)('%s → %s', ([stderr, code, retryable], { expect }) => {
    const e = classifyGitError(stderr, 'fetch');
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });
});
