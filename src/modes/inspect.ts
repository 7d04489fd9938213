/**
 * Runs every enabled target's inspect (reads only), one after another in registration order, each
 * within its deadline, so later targets see earlier ones' classified outcomes (Marathon reads the
 * upload's and DC/OS's).
 */
import { orDeadline, startDeadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { host } from '../host/index.js';
import type { EnabledTarget, RunContext } from '../run.js';
import type { Observation, Target, TargetOutcome, TargetResult } from '../targets/types.js';

export async function inspectTargets(
  enabled: readonly EnabledTarget[],
  shared: RunContext,
  title: (target: Target) => string,
  classify: (target: Target, observations: Observation[]) => Promise<TargetResult[]>,
): Promise<Map<string, TargetOutcome>> {
  const outcomes = new Map<string, TargetOutcome>();
  for (const { target, plan } of enabled) {
    host().startGroup(title(target));
    const deadline = startDeadline(shared.timeoutMs);
    let results: TargetResult[];
    try {
      if (!target.inspect) throw new Error(`${target.name} cannot be read without writing`);
      const log = {
        info: (message: string) => {
          host().info(message);
        },
        warning: (message: string | Error) => {
          host().warning(message);
        },
        debug: (message: string) => {
          host().debug(message);
        },
      };
      const ctx = { ...shared, previous: outcomes, log, signal: deadline.signal };
      results = await classify(target, await target.inspect(plan, ctx));
    } catch (error) {
      host().debug(error instanceof Error && error.stack ? error.stack : String(error));
      results = [
        {
          target: target.name,
          subject: target.name,
          action: 'failed',
          message: errorMessage(orDeadline(error, deadline.signal)),
        },
      ];
    } finally {
      deadline.clear();
    }
    for (const r of results) {
      host().info(`${r.subject}: ${r.action}${r.message ? ` (${r.message})` : ''}`);
      for (const change of r.changes ?? []) host().info(`  ${change}`);
    }
    host().endGroup();
    const outputs = target.outputs?.(plan, results);
    outcomes.set(target.name, outputs ? { results, outputs } : { results });
  }
  return outcomes;
}
