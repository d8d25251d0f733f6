import { Gh2ccError } from '../util/errors.ts';
import { sanitize } from '../util/secrets.ts';

/** Reads git's stderr and says what kind of failure it was: auth, not found, throttled, network, limit… */
export function classifyGitError(stderr: string, what: string): Gh2ccError {
  const text = sanitize(stderr.trim());
  const brief = text.split('\n').slice(-6).join(' | ').slice(0, 600);
  const message = `${what} failed: ${brief}`;
  if (/Too many reference update commands/i.test(text)) {
    return new Gh2ccError('too-many-refs', message, {
      retryable: false,
      fix: 'lower mirror.maxRefsPerPush (CodeCommit takes at most 4,000 ref updates in one push)',
    });
  }
  if (/\b429\b|Rate Exceeded|Throttl|slow down/i.test(text)) return new Gh2ccError('throttled', message);
  if (
    /returned error: 403|\b403\b.*Forbidden|Authentication failed|could not read (Username|Password)|Invalid username or (password|token)|returned error: 401/i.test(
      text,
    )
  ) {
    return new Gh2ccError('auth', message, {
      retryable: false,
      fix: 'check the credentials for this remote (GITHUB_TOKEN for GitHub; AWS credentials, region and codecommit:GitPull/GitPush permission for CodeCommit)',
    });
  }
  if (
    /returned error: 404|Repository not found|not found|does not appear to be a git repository/i.test(text)
  ) {
    return new Gh2ccError('not-found', message, {
      retryable: false,
      fix: 'check that the repository exists and the URL is right',
    });
  }
  if (/stale info|fetch first|non-fast-forward|\[rejected\]|remote rejected/i.test(text)) {
    return new Gh2ccError('conflict', message, { retryable: false });
  }
  if (/SSL certificate problem|certificate verify failed|returned error: 413/i.test(text)) {
    return new Gh2ccError('git', message, {
      retryable: false,
      fix: 'check the TLS setup (GIT_SSL_CAINFO for a private CA) or the size limits of any proxy in the way',
    });
  }
  // Before the network patterns: a fetch that runs out of disk also reports the stream it was reading as cut.
  if (/No space left on device|ENOSPC|Disk quota exceeded/i.test(text)) {
    return new Gh2ccError('git', message, {
      retryable: false,
      fix: 'free disk space where the mirror cache lives (mirror.cacheDir, GH2CC_CACHE_DIR) or cap the cache with mirror.cacheMaxBytes (GH2CC_CACHE_MAX_BYTES); the next run picks up where this one stopped',
    });
  }
  // The service answered, with an error of its own (retried like a network failure, but named for what it is).
  if (/returned error: 5\d\d|Internal Server Error|Service Unavailable|Bad Gateway/i.test(text)) {
    return new Gh2ccError('server', message);
  }
  if (
    /RPC failed|Connection reset|Connection refused|Empty reply|Failed to connect|early EOF|remote end hung up|unexpected disconnect|timed out|Could not resolve host|SSL|transfer closed|Recv failure|Send failure|HTTP\/2 stream/i.test(
      text,
    )
  ) {
    return new Gh2ccError('network', message);
  }
  return new Gh2ccError('git', message, { retryable: false });
}
