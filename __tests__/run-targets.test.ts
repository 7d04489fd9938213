import { describe, expect, it, vi } from 'vitest';
import { orDeadline } from '../src/deadline.js';
import { errorMessage } from '../src/errors.js';
import { runTargets, type RunContext } from '../src/run.js';
import { sleep } from '../src/retry.js';
import type { Artifacts, BasePlan, Target, TargetOutcome } from '../src/targets/types.js';

const base: BasePlan = { state: 'present', credentials: [], configFormat: 'config.json', tarball: false };
const artifacts: Artifacts = { document: '', configPath: '', configDir: '' };
const shared = (timeoutMs = 10_000): RunContext => ({ base, artifacts, runDir: '', timeoutMs });

function target(name: string, present: Target['present'], after?: string[]): Target {
  return { name, plan: () => ({}), present, absent: present, ...(after ? { after } : {}) };
}

const created = (name: string): TargetOutcome => ({
  results: [{ target: name, subject: `${name}-thing`, action: 'created', message: '' }],
  outputs: { [name]: 1 },
});

/** A target that takes `ms`, recording when it started and ended. */
function timed(name: string, ms: number, log: string[], after?: string[]): Target {
  return target(
    name,
    async (_plan, ctx) => {
      log.push(`start ${name} [${[...ctx.previous.keys()].join(',')}]`);
      await sleep(ms);
      log.push(`end ${name}`);
      return created(name);
    },
    after,
  );
}

const enable = (...list: Target[]) => list.map((t) => ({ target: t, plan: {} }));

describe('runTargets', () => {
  it('runs independent targets concurrently and reports them in registration order', async () => {
    const log: string[] = [];
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l !== ''),
      );
      return true;
    });
    const started = performance.now();
    let outcomes: Map<string, TargetOutcome>;
    try {
      outcomes = await runTargets(
        enable(timed('slow', 400, log), timed('medium', 200, log), timed('fast', 10, log)),
        'present',
        shared(),
      );
    } finally {
      spy.mockRestore();
    }
    const elapsed = performance.now() - started;
    // Each target's log is one whole group, never interleaved with another's, in the order they ended.
    expect(printed).toEqual([
      '::group::Shipping to fast',
      'fast-thing: created',
      '::endgroup::',
      '::group::Shipping to medium',
      'medium-thing: created',
      '::endgroup::',
      '::group::Shipping to slow',
      'slow-thing: created',
      '::endgroup::',
    ]);
    // All three started before any ended: concurrent, not one after another (which takes 610 ms).
    expect(log.slice(0, 3)).toEqual(['start slow []', 'start medium []', 'start fast []']);
    expect(log.slice(3)).toEqual(['end fast', 'end medium', 'end slow']);
    expect(elapsed).toBeLessThan(600);
    expect([...outcomes.keys()]).toEqual(['slow', 'medium', 'fast']);
  });

  it('starts a target after the targets in its `after`, and hands it their outcomes only', async () => {
    const log: string[] = [];
    const outcomes = await runTargets(
      enable(
        timed('upload', 150, log),
        timed('kubernetes', 300, log),
        timed('dcos', 50, log),
        timed('marathon', 10, log, ['upload', 'dcos', 'not-enabled']),
      ),
      'present',
      shared(),
    );
    expect(log.indexOf('start marathon [upload,dcos]')).toBeGreaterThan(log.indexOf('end upload'));
    expect(log.indexOf('start marathon [upload,dcos]')).toBeGreaterThan(log.indexOf('end dcos'));
    // Marathon does not wait for kubernetes, which it does not read.
    expect(log.indexOf('end marathon')).toBeLessThan(log.indexOf('end kubernetes'));
    expect([...outcomes.keys()]).toEqual(['upload', 'kubernetes', 'dcos', 'marathon']);
  });

  it('turns a throwing target into one failed result; the rest go on', async () => {
    const broken = target('broken', () => Promise.reject(new Error('boom: unexpected')));
    const outcomes = await runTargets(enable(timed('first', 10, []), broken), 'present', shared());
    expect(outcomes.get('broken')!.results).toEqual([
      { target: 'broken', subject: 'broken', action: 'failed', message: 'boom: unexpected' },
    ]);
    expect(outcomes.get('first')!.results[0]!.action).toBe('created');
  });

  it('ends every target at its deadline: one that honours the signal reports itself, one that ignores it is cut off', async () => {
    const honours = target('honours', async (_plan, ctx) => {
      const subjects = ['a', 'b'];
      const results = await Promise.all(
        subjects.map(async (subject) => {
          try {
            await new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => {
                reject(new Error('socket hang up'));
              });
            });
            return { target: 'honours', subject, action: 'created' as const, message: '' };
          } catch (error) {
            const message = errorMessage(orDeadline(error, ctx.signal));
            return { target: 'honours', subject, action: 'failed' as const, message };
          }
        }),
      );
      return { results, outputs: { honours: results.map((r) => r.action) } };
    });
    const ignores = target('ignores', () => new Promise<TargetOutcome>(() => undefined));
    const quick = target('quick', () => Promise.resolve(created('quick')));
    const started = performance.now();
    const outcomes = await runTargets(enable(honours, ignores, quick), 'present', shared(300));
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 250 + 200); // the deadline, the grace, slack
    expect(outcomes.get('honours')).toEqual({
      results: [
        { target: 'honours', subject: 'a', action: 'failed', message: 'timed out after 0.3 s' },
        { target: 'honours', subject: 'b', action: 'failed', message: 'timed out after 0.3 s' },
      ],
      outputs: { honours: ['failed', 'failed'] },
    });
    expect(outcomes.get('ignores')).toEqual({
      results: [
        { target: 'ignores', subject: 'ignores', action: 'failed', message: 'timed out after 0.3 s' },
      ],
    });
    expect(outcomes.get('quick')!.results[0]!.action).toBe('created');
    expect([...outcomes.keys()]).toEqual(['honours', 'ignores', 'quick']);
  });

  it('refuses an `after` that names a target registered later', async () => {
    await expect(
      runTargets(enable(timed('marathon', 1, [], ['upload']), timed('upload', 1, [])), 'present', shared()),
    ).rejects.toThrow(/marathon runs after upload, which is registered after it/);
  });
});
