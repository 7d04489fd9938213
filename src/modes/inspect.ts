/**
 * Runs every enabled target's inspect (reads only), in registration order like apply, so later
 * targets see earlier ones' classified outcomes (Marathon reads the upload's and DC/OS's).
 */
import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import type { EnabledTarget } from '../run.js';
import type { Observation, Target, TargetContext, TargetOutcome, TargetResult } from '../targets/types.js';

export async function inspectTargets(
  enabled: readonly EnabledTarget[],
  context: Omit<TargetContext, 'previous'>,
  title: (target: Target) => string,
  classify: (target: Target, observations: Observation[]) => Promise<TargetResult[]>,
): Promise<Map<string, TargetOutcome>> {
  const outcomes = new Map<string, TargetOutcome>();
  for (const { target, plan } of enabled) {
    const outcome = await core.group(title(target), async (): Promise<TargetOutcome> => {
      let results: TargetResult[];
      try {
        if (!target.inspect) throw new Error(`${target.name} cannot be read without writing`);
        const observations = await target.inspect(plan, { ...context, previous: outcomes });
        results = await classify(target, observations);
      } catch (error) {
        core.debug(error instanceof Error && error.stack ? error.stack : String(error));
        results = [
          { target: target.name, subject: target.name, action: 'failed', message: errorMessage(error) },
        ];
      }
      for (const r of results) {
        core.info(`${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
        for (const change of r.changes ?? []) core.info(`  ${change}`);
      }
      const outputs = target.outputs?.(plan, results);
      return outputs ? { results, outputs } : { results };
    });
    outcomes.set(target.name, outcome);
  }
  return outcomes;
}
