/** Bounded retries with exponential backoff and jitter, for faults worth another try. */
export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  /** Whether this error is worth another try; default: never. */
  retryable?: (error: unknown) => boolean;
  /** A server-given delay (e.g. Retry-After) in ms, honoured up to maxMs. */
  delayHint?: (error: unknown) => number | undefined;
  /** The caller's deadline: no retry once it is aborted, and a pending backoff ends at once. */
  signal?: AbortSignal;
}

/** Waits `ms`, or less when `signal` aborts first. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts = 3, baseMs = 200, maxMs = 5000, retryable = () => false, delayHint, signal } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error) || signal?.aborted) throw error;
      const backoff = Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await sleep(Math.min(maxMs, delayHint?.(error) ?? backoff), signal);
      if (signal?.aborted) throw error;
    }
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); the first value if repeated. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
