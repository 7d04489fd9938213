/** The kind e2e workflow cannot run here; at least it must parse and call the action with real inputs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

const workflow = parse(fs.readFileSync(path.join(ROOT, '.github/workflows/e2e.yml'), 'utf8')) as Workflow;
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const ours = steps.filter((s) => s.uses === './');

describe('.github/workflows/e2e.yml', () => {
  it('runs the action from the checkout against a kind cluster', () => {
    expect(ours.length).toBeGreaterThanOrEqual(1);
    expect(steps.some((s) => s.uses?.startsWith('helm/kind-action@'))).toBe(true);
    expect(steps.findIndex((s) => s.run?.includes('npm run build'))).toBeLessThan(steps.indexOf(ours[0]!));
  });

  it.each(ours.map((s) => [s.id ?? s.name ?? '?', s] as const))(
    'step %s passes only inputs action.yml declares',
    (_, step) => {
      const used = Object.keys(step.with ?? {});
      expect(used.filter((name) => !(name in action.inputs))).toEqual([]);
      expect(used).toEqual(expect.arrayContaining(['kubeconfig', 'kubernetes-namespaces']));
    },
  );

  it('reads the kubernetes output, which action.yml declares', () => {
    expect(action.outputs).toHaveProperty('kubernetes');
    expect(steps.some((s) => JSON.stringify(s).includes('.outputs.kubernetes'))).toBe(true);
  });

  it('waits for pods that use the pull secret to run, and checks state absent', () => {
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/kubectl .*wait pod\/\S+ --for=jsonpath='\{\.status\.phase\}'=Running/);
    expect(runs).toContain('imagePullSecrets');
    expect(ours.some((s) => s.with?.state === 'absent')).toBe(true);
    // The registry password never appears on a command line.
    expect(runs).not.toMatch(/-p\s+"?\$REGISTRY_PASSWORD/);
  });
});
