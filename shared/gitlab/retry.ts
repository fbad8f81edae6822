// The one retry loop of the bridge: the GitLab client's own attempts, the placeholder's final edit, the
// merge request's create and the job's git push all go through withRetry, each with its own rule for what
// may be tried again and how long to wait. It stops at the first error that is not worth repeating, after
// the last attempt, and before a wait that would end past the deadline (waiting only to be cut off helps no
// one), and always throws the last error as it came, so callers see GitLab's answer, not the loop's.
//
//   const note = await withRetry(() => updateNote(gitlab, ref), {
//     attempts: 3, delayMs: (retry) => [1_000, 3_000][retry - 1] ?? 5_000, sleep, now, deadlineAt });
import { isGitLabApiError } from "./gitlab-api-error.ts";

export interface RetryOptions {
  /** Attempts in all, the first one included (at least 1). */
  attempts: number;
  /** Whether this failure may pass on another attempt (default: isTransient). */
  retryable?: (error: unknown, attempt: number) => boolean;
  /** How long to wait before retry number `retry` (1 for the wait after the first attempt). */
  delayMs: (retry: number, error: unknown) => number;
  /** Waits ms; may reject when the signal aborts, and then the last error is thrown. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch milliseconds; needed with deadlineAt. */
  now?: () => number;
  /** Epoch ms: no retry whose wait would end at or after it. */
  deadlineAt?: number;
  /** Cuts a wait short; the last error is thrown then. */
  signal?: AbortSignal;
  /** Told of each retry before its wait (for a log line). */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/** Calls `attempt` until it succeeds or the rules above stop it; rejects with the last error. */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, options.attempts);
  const retryable = options.retryable ?? ((error: unknown) => isTransient(error));
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= attempts || !retryable(error, n)) throw error;
      const wait = options.delayMs(n, error);
      if (options.deadlineAt !== undefined && (options.now ?? Date.now)() + wait >= options.deadlineAt) {
        throw error;
      }
      options.onRetry?.(error, n, wait);
      try {
        await options.sleep(wait, options.signal);
      } catch {
        throw error;
      }
      if (options.signal?.aborted) throw error;
    }
  }
}

/** base, 2×base, 4×base, … capped at maxMs: the wait before retry number `retry`. */
export function doubling(baseMs: number, maxMs = Number.POSITIVE_INFINITY): (retry: number) => number {
  return (retry) => Math.min(maxMs, baseMs * 2 ** (retry - 1));
}

/**
 * Whether a failure may pass if tried again: a GitLab error says so itself (no answer, a timeout, 408, 429,
 * 5xx); any other error (a socket torn down, a bug in a test double) is given the benefit of the doubt.
 */
export function isTransient(error: unknown): boolean {
  return isGitLabApiError(error) ? error.transient : true;
}
