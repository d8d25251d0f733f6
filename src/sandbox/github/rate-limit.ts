/** GitHub's primary rate limit for a token: so many requests per hour, reported on every response. */

export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds when the window resets. */
  readonly reset: number;
  readonly used: number;
  readonly resource: string;
}

export interface RateLimitCounter {
  /** Counts one request and returns the state after it. */
  take(): RateLimitState;
  /** The state without counting (GitHub does not count `GET /rate_limit`). */
  peek(): RateLimitState;
}

const WINDOW_MS = 60 * 60 * 1000;

/**
 * A counter for one resource. It only reports: a sandbox that refused requests after `limit` would stall
 * demos for an hour, so `remaining` bottoms out at 0 and requests keep being answered.
 */
export function createRateLimitCounter(
  limit: number,
  resource: string,
  now: () => number = Date.now,
): RateLimitCounter {
  let windowStart = now();
  let used = 0;
  function roll(): void {
    if (now() >= windowStart + WINDOW_MS) {
      windowStart = now();
      used = 0;
    }
  }
  function state(): RateLimitState {
    return {
      limit,
      remaining: Math.max(0, limit - used),
      reset: Math.ceil((windowStart + WINDOW_MS) / 1000),
      used,
      resource,
    };
  }
  return {
    take() {
      roll();
      used += 1;
      return state();
    },
    peek() {
      roll();
      return state();
    },
  };
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(state.reset),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-resource': state.resource,
  };
}
