/** `mode: plan`: every place read, nothing written; each reported with what apply would do there. */
import type { EnabledTarget, RunContext } from '../run.js';
import type { TargetOutcome } from '../targets/types.js';
import { planAction } from './classify.js';
import { inspectTargets } from './inspect.js';

export function previewTargets(
  enabled: readonly EnabledTarget[],
  state: 'present' | 'absent',
  context: RunContext,
): Promise<Map<string, TargetOutcome>> {
  return inspectTargets(
    enabled,
    context,
    (target) => `Planning ${target.name} (nothing is written)`,
    (target, observations) =>
      Promise.resolve(
        observations.map((o) => ({
          target: target.name,
          subject: o.subject,
          // A place rewritten rather than deleted (a definition file) is an update either way.
          ...planAction(o, target.rewrites ? 'present' : state),
          ...(o.changes && o.changes.length > 0 ? { changes: o.changes } : {}),
        })),
      ),
  );
}
