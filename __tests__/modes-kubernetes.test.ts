/**
 * Kubernetes plan: for each situation apply meets, the plan (GETs only) predicts what apply then
 * reports, against the Kubernetes API fake driven by @kubernetes/client-node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAction, PLANNED_AS } from '../src/modes/classify.js';
import { buildPlan } from '../src/plan.js';
import { kubernetesTarget } from '../src/targets/kubernetes.js';
import type { PlanAction, TargetContext } from '../src/targets/types.js';
import { FakeKube } from './support/fake-kube.js';
import { clearInputs, inputsOf } from './support/inputs.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'pull-credentials' };
let fake: FakeKube;

beforeAll(async () => {
  fake = await FakeKube.start({
    users: {
      'admin-token': { name: 'admin' },
      'no-reads': { name: 'blind', rules: [{ verbs: ['create', 'update'], resources: ['secrets'] }] },
    },
  });
});
afterAll(async () => {
  await fake.stop();
});

let counter = 0;
function ns(prefix: string): string {
  const name = `${prefix}-${++counter}`;
  fake.addNamespace(name);
  return name;
}

const log = { info: () => undefined, warning: () => undefined, debug: () => undefined };

function planned(inputs: Record<string, string>) {
  clearInputs();
  const raw = inputsOf({
    registry: 'ghcr.io',
    username: 'octo',
    password: 'kube-Plan-Pw-1',
    kubeconfig: fake.kubeconfig([{ name: 'kind-a', token: inputs['token'] ?? 'admin-token' }]),
    ...inputs,
  });
  const base = buildPlan(raw);
  const plan = kubernetesTarget.plan(raw, base)!;
  const ctx = { base, log, previous: new Map(), artifacts: { document: '' } } as unknown as TargetContext;
  return { base, plan, ctx };
}

/** Plans, checks nothing was written, applies, and returns both actions. */
async function planThenApply(
  inputs: Record<string, string>,
): Promise<{ planned: string; applied: string; message: string }> {
  const { base, plan, ctx } = planned(inputs);
  const before = fake.requests.filter((r) => r.method !== 'GET').length;
  const [observation] = await kubernetesTarget.inspect!(plan, ctx);
  expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(before);
  const { action, message } = planAction(observation!, base.state);
  const outcome = await (base.state === 'present'
    ? kubernetesTarget.present(plan, ctx)
    : kubernetesTarget.absent(plan, ctx));
  return { planned: action, applied: outcome.results[0]!.action, message };
}

describe('kubernetes plan predicts apply', () => {
  const secret = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    metadata: { name: 'regcred', labels },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    ...extra,
  });
  const cases: [string, (namespace: string) => Record<string, string>, string, RegExp?][] = [
    ['a new secret', () => ({}), 'would-create'],
    [
      'a service account not linked yet',
      (n) => {
        fake.addServiceAccount(n, 'builder');
        return { 'kubernetes-service-accounts': 'builder' };
      },
      'would-create',
    ],
    [
      'a missing service account',
      () => ({ 'kubernetes-service-accounts': 'ghost' }),
      'failed',
      /serviceaccount ghost not found/,
    ],
    [
      'our secret with old data',
      (n) => {
        fake.addSecret(n, secret(MANAGED));
        return {};
      },
      'would-update',
    ],
    [
      'a foreign secret',
      (n) => {
        fake.addSecret(n, secret({}));
        return {};
      },
      'failed',
      /not managed by pull-credentials/,
    ],
    [
      'a foreign secret taken over with force',
      (n) => {
        fake.addSecret(n, secret({}));
        return { 'kubernetes-force': 'true' };
      },
      'would-update',
    ],
    [
      'a type that cannot change',
      (n) => {
        fake.addSecret(n, secret(MANAGED, { type: 'Opaque' }));
        return {};
      },
      'failed',
      /type cannot change/,
    ],
    [
      'an immutable secret',
      (n) => {
        fake.addSecret(n, secret(MANAGED, { immutable: true }));
        return {};
      },
      'failed',
      /immutable/,
    ],
    [
      'a foreign secret with state absent',
      (n) => {
        fake.addSecret(n, secret({}));
        return { state: 'absent', username: '', password: '' };
      },
      'unchanged',
      /left in place/,
    ],
    [
      'our secret with state absent',
      (n) => {
        fake.addSecret(n, secret(MANAGED));
        return { state: 'absent', username: '', password: '' };
      },
      'would-delete',
    ],
    ['nothing to delete', () => ({ state: 'absent', username: '', password: '' }), 'unchanged'],
    [
      'credentials that may not read',
      () => ({ token: 'no-reads' }),
      'failed',
      /forbidden: the credentials need 'get' on secrets/,
    ],
  ];
  it.each(cases)('%s', async (_name, arrange, expected, message) => {
    const namespace = ns('plan');
    const { token, ...extra } = arrange(namespace);
    const {
      planned: action,
      applied,
      message: said,
    } = await planThenApply({
      'kubernetes-namespaces': namespace,
      ...(token ? { token } : {}),
      ...extra,
    });
    expect(action).toBe(expected);
    expect(said).toMatch(message ?? /./);
    expect(PLANNED_AS[action as PlanAction]).toContain(applied);
  });

  it('an up-to-date secret whose service account lost its link is an update', async () => {
    const namespace = ns('link');
    expect(await planThenApply({ 'kubernetes-namespaces': namespace })).toMatchObject({ applied: 'created' });
    expect(await planThenApply({ 'kubernetes-namespaces': namespace })).toMatchObject({
      planned: 'unchanged',
      applied: 'unchanged',
    });
    fake.addServiceAccount(namespace, 'builder');
    const relinked = await planThenApply({
      'kubernetes-namespaces': namespace,
      'kubernetes-service-accounts': 'builder',
    });
    expect(relinked).toMatchObject({ planned: 'would-update', applied: 'updated' });
  });

  it('a missing namespace: created when allowed, refused otherwise, as apply does', async () => {
    const refused = await planThenApply({ 'kubernetes-namespaces': 'not-there-1' });
    expect(refused).toMatchObject({ planned: 'failed', applied: 'failed' });
    expect(refused.message).toMatch(/namespace not-there-1 does not exist/);
    const created = await planThenApply({
      'kubernetes-namespaces': 'not-there-2',
      'kubernetes-create-namespace': 'true',
    });
    expect(created).toMatchObject({ planned: 'would-create', applied: 'created' });
  });
});
