import { describe, expect, it } from 'vitest';
import { runTargets } from '../src/run.js';
import type { Artifacts, BasePlan, Target, TargetOutcome } from '../src/targets/types.js';

const base: BasePlan = { state: 'present', credentials: [], configFormat: 'config.json', tarball: false };
const artifacts: Artifacts = { document: '', configPath: '', configDir: '' };
const log = { info: () => undefined, warning: () => undefined, debug: () => undefined };

function target(name: string, present: Target['present']): Target {
  return { name, plan: () => ({}), present, absent: present };
}

describe('runTargets', () => {
  it('runs targets in order, hands earlier outcomes on, and turns a throwing target into one failed result', async () => {
    const seen: string[][] = [];
    const ok = (name: string): Target =>
      target(name, (_plan, ctx) => {
        seen.push([...ctx.previous.keys()]);
        return Promise.resolve<TargetOutcome>({
          results: [{ target: name, subject: `${name}-thing`, action: 'created', message: '' }],
          outputs: { [name]: 1 },
        });
      });
    const broken = target('broken', () => Promise.reject(new Error('boom: unexpected')));
    const enabled = [ok('first'), broken, ok('last')].map((t) => ({ target: t, plan: {} }));

    const outcomes = await runTargets(enabled, 'present', { base, artifacts, runDir: '', log });

    expect([...outcomes.keys()]).toEqual(['first', 'broken', 'last']);
    expect(outcomes.get('broken')!.results).toEqual([
      { target: 'broken', subject: 'broken', action: 'failed', message: 'boom: unexpected' },
    ]);
    expect(outcomes.get('last')!.results[0]!.action).toBe('created');
    expect(seen).toEqual([[], ['first', 'broken']]);
  });
});
