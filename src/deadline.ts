/**
 * Bounded time. Every target, and verification as a whole, gets a deadline: an AbortSignal its
 * clients pass to every request and retry, plus a race so work that ignores the signal still ends.
 */
import { TargetError } from './errors.js';

/** `3 s`, `1.5 s`, `60 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** The deadline passed: the reason of the aborted signal, and the message the user sees. */
export class DeadlineError extends TargetError {
  constructor(readonly ms: number) {
    super(`timed out after ${formatSeconds(ms)}`);
    this.name = 'DeadlineError';
  }
}

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer once the work has ended. */
  clear(): void;
}

/** A signal aborted with a DeadlineError after `ms`. */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DeadlineError(ms));
  }, ms);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
    },
  };
}

/**
 * The error to report: once the deadline has passed, whatever a client threw while being aborted
 * (an AbortError, a reset socket, a wrapped message) is the deadline.
 */
export function orDeadline(error: unknown, signal: AbortSignal | undefined): unknown {
  return signal?.aborted && signal.reason instanceof DeadlineError ? signal.reason : error;
}

/**
 * The work's result, or `fallback()` when it has not ended `graceMs` after the signal aborted:
 * work that honours the signal reports its own, finer failures; work that ignores it still ends.
 */
export function raceDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
  fallback: () => T,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => undefined;
  const cutoff = new Promise<T>((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => {
        resolve(fallback());
      }, graceMs);
    };
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return Promise.race([work, cutoff]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  });
}

/**
 * `work`, or the signal's reason once it aborts: for a library call that takes no signal, so its
 * caller still ends at the deadline and reports it itself (the call runs on, unobserved).
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => {
    signal.removeEventListener('abort', onAbort);
  });
}

/** How long a target may take to report once its deadline passed, before the race reports it. */
export function graceFor(ms: number): number {
  return Math.min(2000, Math.max(250, ms / 10));
}
