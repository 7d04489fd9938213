import { describe, expect, it } from 'vitest';
import {
  abortable,
  DeadlineError,
  formatSeconds,
  orDeadline,
  raceDeadline,
  startDeadline,
} from '../src/deadline.js';
import { sleep, withRetries } from '../src/retry.js';

describe('deadlines', () => {
  it.each([
    [3000, '3 s'],
    [1500, '1.5 s'],
    [60_000, '60 s'],
    [250, '0.25 s'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatSeconds(ms)).toBe(text);
    expect(new DeadlineError(ms).message).toBe(`timed out after ${text}`);
  });

  it('aborts its signal with a DeadlineError, and turns what a client threw then into it', async () => {
    const deadline = startDeadline(50);
    const before = new Error('403 forbidden');
    expect(orDeadline(before, deadline.signal)).toBe(before);
    await sleep(80);
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineError);
    expect(orDeadline(new Error('socket hang up'), deadline.signal)).toBe(deadline.signal.reason);
    expect(orDeadline(before, undefined)).toBe(before);
  });

  it('stops retrying once the deadline aborts, even in the middle of a backoff', async () => {
    const deadline = startDeadline(100);
    let attempts = 0;
    const started = performance.now();
    const failure = new Error('503');
    await expect(
      withRetries(
        () => {
          attempts++;
          return Promise.reject(failure);
        },
        { attempts: 10, baseMs: 60, maxMs: 5000, retryable: () => true, signal: deadline.signal },
      ),
    ).rejects.toBe(failure);
    const elapsed = performance.now() - started;
    deadline.clear();
    // Backoffs of 30-60, 60-120, … ms: the deadline cuts the second or third one short.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(3);
    expect(elapsed).toBeLessThan(200);
  });

  it('races work that ignores the signal: the fallback comes a grace after the abort', async () => {
    const deadline = startDeadline(50);
    const started = performance.now();
    const result = await raceDeadline(
      new Promise<string>(() => undefined),
      deadline.signal,
      30,
      () => 'cut off',
    );
    expect(result).toBe('cut off');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('races work that ends in time: its own result, and no fallback', async () => {
    const deadline = startDeadline(1000);
    let fellBack = false;
    const result = await raceDeadline(Promise.resolve('done'), deadline.signal, 10, () => {
      fellBack = true;
      return 'cut off';
    });
    deadline.clear();
    expect(result).toBe('done');
    expect(fellBack).toBe(false);
  });
});

describe('abortable: a call that takes no signal still ends at the deadline', () => {
  const later = <T>(ms: number, value: T, fail = false) =>
    new Promise<T>((resolve, reject) => {
      setTimeout(() => {
        if (fail) reject(new Error(String(value)));
        else resolve(value);
      }, ms);
    });

  it.each([
    {
      name: 'the work ends first: its value',
      workMs: 5,
      deadlineMs: 500,
      fail: false,
      want: { value: 'value' },
    },
    {
      name: 'the work fails first: its error',
      workMs: 5,
      deadlineMs: 500,
      fail: true,
      want: { error: 'value' },
    },
    {
      name: 'the deadline passes first: the deadline',
      workMs: 500,
      deadlineMs: 5,
      fail: false,
      want: { error: 'timed out after 0.005 s' },
    },
  ])('$name', async ({ workMs, deadlineMs, fail, want }) => {
    const deadline = startDeadline(deadlineMs);
    const outcome = await abortable(later(workMs, 'value', fail), deadline.signal).then(
      (value) => ({ value }),
      (error: unknown) => ({ error: (error as Error).message }),
    );
    deadline.clear();
    expect(outcome).toEqual(want);
  });

  it('a signal aborted already rejects at once, with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new DeadlineError(1000));
    await expect(abortable(new Promise(() => undefined), controller.signal)).rejects.toBeInstanceOf(
      DeadlineError,
    );
  });
});
