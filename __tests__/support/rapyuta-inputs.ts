/** Inputs and contexts for driving the rapyuta target directly, as run.ts does. */
import { vi } from 'vitest';
import type { Inputs } from '../../src/context.js';
import { planCredentials } from '../../src/plan.js';
import { defaultInputs } from './inputs.js';
import type { BasePlan, TargetContext } from '../../src/targets/types.js';

export function makeInputs(overrides: Partial<Inputs> = {}): Inputs {
  return defaultInputs(overrides);
}

/** The base plan run.ts would build (credentials parsed by the real plan.ts). */
export function basePlan(inputs: Inputs): BasePlan {
  const state = inputs.state === 'absent' ? 'absent' : 'present';
  return { state, credentials: planCredentials(inputs, state), configFormat: 'config.json', tarball: false };
}

export function makeContext(base: BasePlan): TargetContext & { lines: () => string } {
  const info = vi.fn<(message: string) => void>();
  const warning = vi.fn<(message: string | Error) => void>();
  const debug = vi.fn<(message: string) => void>();
  return {
    base,
    artifacts: { document: '', configPath: '', configDir: '' },
    runDir: '',
    previous: new Map(),
    log: { info, warning, debug },
    signal: new AbortController().signal,
    lines: () =>
      [...info.mock.calls, ...warning.mock.calls, ...debug.mock.calls].map((c) => String(c[0])).join('\n'),
  };
}
