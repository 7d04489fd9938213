/**
 * The Kubernetes target against an in-process fake of the core/v1 API (support/fake-kube.ts), driven
 * by real @kubernetes/client-node over TLS with token auth; secret data compared with real kubectl.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../src/plan.js';
import { applyKubernetes, type KubeEntry, type KubeJob } from '../src/targets/kubernetes/apply.js';
import { kubernetesTarget } from '../src/targets/kubernetes.js';
import type { TargetContext, TargetOutcome } from '../src/targets/types.js';
import { FakeKube, kubeconfigFor } from './support/fake-kube.js';
import { clearInputs, inputsOf } from './support/inputs.js';

const PASSWORD = 'hunter2-pässwörd✓';
const MANAGED = { 'app.kubernetes.io/managed-by': 'pull-credentials' };

let fake: FakeKube;
let other: FakeKube;
beforeAll(async () => {
  fake = await FakeKube.start({
    users: {
      'admin-token': { name: 'admin' },
      // Can read and create secrets but not update them: a half-configured CI role.
      'create-only': {
        name: 'system:serviceaccount:ci:deployer',
        rules: [{ verbs: ['get', 'create'], resources: ['secrets'] }],
      },
    },
    defaultServiceAccountDelayMs: 100,
  });
  other = await FakeKube.start();
});
afterAll(async () => {
  await fake.stop();
  await other.stop();
});

let counter = 0;
/** A fresh namespace name per test, so tests share one fake without seeing each other. */
function ns(prefix: string, create = true): string {
  const name = `${prefix}-${++counter}`;
  if (create) fake.addNamespace(name);
  return name;
}

const ctx = {
  log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
} as unknown as TargetContext;

/** Runs the target as run.ts does: inputs → plan → present/absent. */
async function ship(inputs: Record<string, string>): Promise<TargetOutcome & { entries: KubeEntry[] }> {
  clearInputs(); // each call stands alone, like a separate workflow run
  const raw = inputsOf({
    registry: 'ghcr.io',
    username: 'octo',
    password: PASSWORD,
    kubeconfig: fake.kubeconfig([{ name: 'kind-a' }]),
    ...inputs,
  });
  const base = buildPlan(raw);
  const plan = kubernetesTarget.plan(raw, base);
  expect(plan).toMatchObject({ secretName: expect.any(String) as string });
  const outcome = await (base.state === 'present'
    ? kubernetesTarget.present(plan, ctx)
    : kubernetesTarget.absent(plan, ctx));
  return { ...outcome, entries: outcome.outputs!.kubernetes as KubeEntry[] };
}

function job(overrides: Partial<KubeJob>): KubeJob {
  return {
    source: { kind: 'inline', text: fake.kubeconfig([{ name: 'kind-a' }]) },
    contexts: ['kind-a'],
    namespaces: [],
    secretName: 'regcred',
    secretType: 'dockerconfigjson',
    serviceAccounts: [],
    createNamespace: false,
    labels: {},
    annotations: {},
    force: false,
    ...overrides,
  };
}

const FAST = { retry: { baseMs: 5, maxMs: 20 } };

const requestsIn = (namespace: string) =>
  fake.requests.filter(
    (r) => r.path.includes(`/namespaces/${namespace}/`) || r.path.endsWith(`/namespaces/${namespace}`),
  );

function decoded(namespace: string, name = 'regcred'): { type: unknown; data: Record<string, unknown> } {
  const secret = fake.get('secrets', namespace, name)!;
  const data = secret.data as Record<string, string>;
  const [key] = Object.keys(data);
  return {
    type: secret.type,
    data: JSON.parse(Buffer.from(data[key!]!, 'base64').toString('utf8')) as Record<string, unknown>,
  };
}

interface Registry {
  server?: string;
  username: string;
  password: string;
  email?: string;
}

/** What `kubectl create secret docker-registry` writes for one registry, parsed. */
function kubectl(r: Registry): { type: string; auths: Record<string, unknown> } {
  const args = ['create', 'secret', 'docker-registry', 'regcred'];
  if (r.server) args.push(`--docker-server=${r.server}`);
  args.push(`--docker-username=${r.username}`, `--docker-password=${r.password}`);
  if (r.email) args.push(`--docker-email=${r.email}`);
  args.push('--dry-run=client', '-o', 'json');
  const secret = JSON.parse(execFileSync('kubectl', args, { encoding: 'utf8' })) as {
    type: string;
    data: Record<string, string>;
  };
  const doc = JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString('utf8')) as {
    auths: Record<string, unknown>;
  };
  return { type: secret.type, auths: doc.auths };
}

describe('secret data equals kubectl create secret docker-registry', () => {
  const several = `
- registry: ghcr.io
  username: octo
  password: "${PASSWORD}"
- registry: registry.example.com:5000
  username: bob
  password: "s3cret with space:and colon"
  email: bob@example.com
- registry: docker.io
  username: hubuser
  password: hubpass
`;
  const severalExpected: Registry[] = [
    { server: 'ghcr.io', username: 'octo', password: PASSWORD },
    {
      server: 'registry.example.com:5000',
      username: 'bob',
      password: 's3cret with space:and colon',
      email: 'bob@example.com',
    },
    // kubectl's default --docker-server is Docker Hub's key.
    { username: 'hubuser', password: 'hubpass' },
  ];
  const cases: { name: string; inputs: Record<string, string>; expected: Registry[] }[] = [
    {
      name: 'one registry, no email',
      inputs: {},
      expected: [{ server: 'ghcr.io', username: 'octo', password: PASSWORD }],
    },
    {
      name: 'one registry with email',
      inputs: { email: 'octo@example.com' },
      expected: [{ server: 'ghcr.io', username: 'octo', password: PASSWORD, email: 'octo@example.com' }],
    },
    {
      name: 'several registries',
      inputs: { username: '', password: '', registries: several },
      expected: severalExpected,
    },
  ];
  for (const type of ['dockerconfigjson', 'dockercfg'] as const) {
    it.each(cases)(`$name (${type})`, async ({ inputs, expected }) => {
      const namespace = ns('eq');
      const { entries } = await ship({
        ...inputs,
        'kubernetes-namespaces': namespace,
        'kubernetes-secret-type': type,
      });
      expect(entries).toEqual([
        {
          context: 'kind-a',
          namespace,
          secret: 'regcred',
          action: 'created',
          message: 'secret regcred created',
        },
      ]);
      const { type: storedType, data } = decoded(namespace);
      const fromKubectl = expected.map(kubectl);
      const kubectlAuths = Object.assign({}, ...fromKubectl.map((k) => k.auths)) as Record<string, unknown>;
      const keys = Object.keys(fake.get('secrets', namespace, 'regcred')!.data as object);
      // .dockercfg is the same entries as a flat map, which kubelet reads without an `auths` wrapper.
      expect({ storedType, data, keys }).toEqual(
        type === 'dockerconfigjson'
          ? { storedType: fromKubectl[0]!.type, data: { auths: kubectlAuths }, keys: ['.dockerconfigjson'] }
          : { storedType: 'kubernetes.io/dockercfg', data: kubectlAuths, keys: ['.dockercfg'] },
      );
    });
  }
});

describe('upsert', () => {
  it('creates, then leaves an equal secret alone (one read), then updates in place', async () => {
    const namespaces = [ns('up'), ns('up')];
    const inputs = {
      'kubernetes-namespaces': namespaces.join('\n'),
      'kubernetes-labels': 'team=platform',
      'kubernetes-annotations': 'owner=ci',
    };
    const first = await ship(inputs);
    expect(first.entries.map((e) => e.action)).toEqual(['created', 'created']);
    const created = fake.get('secrets', namespaces[0], 'regcred')!;
    expect((created.metadata as { labels: unknown }).labels).toEqual({ ...MANAGED, team: 'platform' });
    expect((created.metadata as { annotations: Record<string, string> }).annotations).toMatchObject({
      owner: 'ci',
    });
    expect(
      (created.metadata as { annotations: Record<string, string> }).annotations[
        'pull-credentials/content-sha256'
      ],
    ).toMatch(/^[0-9a-f]{64}$/);

    fake.resetLog();
    const second = await ship(inputs);
    expect(second.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged']);
    expect(second.results.map((r) => [r.subject, r.action])).toEqual(
      namespaces.map((n) => [`kind-a/${n}`, 'unchanged']),
    );
    for (const namespace of namespaces) {
      const calls = requestsIn(namespace);
      expect(calls.length).toBeLessThanOrEqual(2);
      expect(calls.map((r) => r.method)).toEqual(['GET']);
    }

    fake.resetLog();
    const third = await ship({ ...inputs, password: 'rotated-password' });
    expect(third.entries.map((e) => e.action)).toEqual(['updated', 'updated']);
    for (const namespace of namespaces) {
      expect(requestsIn(namespace).map((r) => r.method)).toEqual(['GET', 'PUT']);
      const updated = fake.get('secrets', namespace, 'regcred')!;
      // Same object (uid), never deleted and recreated.
      expect((updated.metadata as { uid: string }).uid).toMatch(/\S/);
      const auths = decoded(namespace).data.auths as Record<string, { password: string }>;
      expect(auths['ghcr.io']!.password).toBe('rotated-password');
    }
    expect((fake.get('secrets', namespaces[0], 'regcred')!.metadata as { uid: string }).uid).toBe(
      (created.metadata as { uid: string }).uid,
    );
  });

  it('repairs a managed secret whose data was edited by hand although the hash annotation still matches', async () => {
    const namespace = ns('drift');
    await ship({ 'kubernetes-namespaces': namespace });
    const secret = fake.get('secrets', namespace, 'regcred')!;
    fake.addSecret(namespace, {
      ...secret,
      metadata: { ...(secret.metadata as object), resourceVersion: undefined },
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    } as never);
    const { entries } = await ship({ 'kubernetes-namespaces': namespace });
    expect(entries[0]!.action).toBe('updated');
    expect(Object.keys(decoded(namespace).data.auths as object)).toEqual(['ghcr.io']);
  });

  it('refuses an unmanaged same-named secret, and takes it over with kubernetes-force', async () => {
    const namespace = ns('unmanaged');
    const foreign = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'regcred',
        labels: { app: 'theirs' },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"old":"credentials"}}',
          note: 'keep',
        },
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from('{"auths":{"old.example.com":{"auth":"b2xkOm9sZA=="}}}').toString(
          'base64',
        ),
      },
    };
    fake.addSecret(namespace, foreign);
    const refused = await ship({ 'kubernetes-namespaces': namespace });
    expect(refused.entries[0]!.action).toBe('failed');
    expect(refused.entries[0]!.message).toMatch(/not managed by pull-credentials.*kubernetes-force: true/);
    expect(fake.get('secrets', namespace, 'regcred')!.data).toEqual(foreign.data);

    const forced = await ship({ 'kubernetes-namespaces': namespace, 'kubernetes-force': 'true' });
    expect(forced.entries[0]!.action).toBe('updated');
    const taken = fake.get('secrets', namespace, 'regcred')!;
    const meta = taken.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
    expect(meta.labels).toEqual({ app: 'theirs', ...MANAGED });
    expect(meta.annotations.note).toBe('keep');
    expect(meta.annotations).not.toHaveProperty(['kubectl.kubernetes.io/last-applied-configuration']);
    expect(Object.keys(decoded(namespace).data.auths as object)).toEqual(['ghcr.io']);
    // Managed now: a later run without force is fine.
    expect((await ship({ 'kubernetes-namespaces': namespace })).entries[0]!.action).toBe('unchanged');
  });

  it('reports a secret type change (immutable in Kubernetes) instead of deleting and recreating', async () => {
    const namespace = ns('type');
    await ship({ 'kubernetes-namespaces': namespace, 'kubernetes-secret-type': 'dockercfg' });
    const { entries } = await ship({ 'kubernetes-namespaces': namespace });
    expect(entries[0]!.action).toBe('failed');
    expect(entries[0]!.message).toMatch(/type kubernetes\.io\/dockercfg.*cannot change/);
    expect(fake.get('secrets', namespace, 'regcred')!.type).toBe('kubernetes.io/dockercfg');
  });

  it('retries a 409 Conflict on update with a fresh read', async () => {
    const namespace = ns('conflict');
    await ship({ 'kubernetes-namespaces': namespace });
    fake.resetLog();
    const path = `/api/v1/namespaces/${namespace}/secrets/regcred`;
    fake.before('PUT', path, () => {
      fake.touch('secrets', namespace, 'regcred');
    });
    const { entries } = await ship({ 'kubernetes-namespaces': namespace, password: 'changed-once' });
    expect(entries[0]!.action).toBe('updated');
    expect(requestsIn(namespace).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'PUT 409',
      'GET 200',
      'PUT 200',
    ]);
  });

  it('turns a create race (409 AlreadyExists) into a read and update', async () => {
    const namespace = ns('race');
    fake.before('POST', `/api/v1/namespaces/${namespace}/secrets`, () => {
      fake.addSecret(namespace, {
        metadata: { name: 'regcred', labels: MANAGED },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
      });
    });
    const { entries } = await ship({ 'kubernetes-namespaces': namespace });
    expect(entries[0]!.action).toBe('updated');
    expect(requestsIn(namespace).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 404',
      'POST 409',
      'GET 200',
      'PUT 200',
    ]);
  });

  it('gives up after a bounded number of conflicts', async () => {
    const namespace = ns('conflicts');
    fake.addSecret(namespace, {
      metadata: { name: 'regcred', labels: MANAGED },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    });
    fake.before(
      'PUT',
      `/api/v1/namespaces/${namespace}/secrets/regcred`,
      () => {
        fake.touch('secrets', namespace, 'regcred');
      },
      100,
    );
    const [entry] = await applyKubernetes(job({ namespaces: [namespace] }), '{"auths":{}}', {
      ...FAST,
      conflictAttempts: 3,
    });
    expect(entry!.action).toBe('failed');
    expect(entry!.message).toMatch(/409 Conflict 3 times/);
    expect(requestsIn(namespace).filter((r) => r.method === 'PUT')).toHaveLength(3);
  });
});

describe('errors', () => {
  it('names the verb and resource a 403 needs', async () => {
    const namespace = ns('rbac');
    fake.addSecret(namespace, {
      metadata: { name: 'regcred', labels: MANAGED },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    });
    const { entries } = await ship({
      'kubernetes-namespaces': namespace,
      kubeconfig: fake.kubeconfig([{ name: 'ci', token: 'create-only' }]),
    });
    expect(entries[0]!.action).toBe('failed');
    expect(entries[0]!.message).toContain(
      `forbidden: the credentials need 'update' on secrets in namespace ${namespace}`,
    );
    expect(entries[0]!.message).toContain('system:serviceaccount:ci:deployer');
  });

  it('names the cluster-wide create a new namespace needs', async () => {
    const namespace = ns('rbac-ns', false);
    const { entries } = await ship({
      'kubernetes-namespaces': namespace,
      'kubernetes-create-namespace': 'true',
      kubeconfig: fake.kubeconfig([{ name: 'ci', token: 'create-only' }]),
    });
    expect(entries[0]!.message).toContain(
      "forbidden: the credentials need 'create' on namespaces cluster-wide",
    );
  });

  it('points a 401 at the kubeconfig credentials', async () => {
    const namespace = ns('unauth');
    const { entries } = await ship({
      'kubernetes-namespaces': namespace,
      kubeconfig: fake.kubeconfig([{ name: 'stale', token: 'expired-token' }]),
    });
    expect(entries[0]).toMatchObject({ action: 'failed', context: 'stale' });
    expect(entries[0]!.message).toMatch(/unauthorized \(401\) in context stale.*kubeconfig/);
    expect(entries[0]!.message).not.toContain('expired-token');
  });

  it('retries 429 and 5xx (honouring Retry-After) and then succeeds', async () => {
    const namespace = ns('flaky');
    fake.fail({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/secrets/regcred`,
      status: 429,
      retryAfterSeconds: 0,
    });
    fake.fail({ method: 'POST', path: `/api/v1/namespaces/${namespace}/secrets`, status: 503, times: 2 });
    const [entry] = await applyKubernetes(job({ namespaces: [namespace] }), '{"auths":{}}', FAST);
    expect(entry!.action).toBe('created');
    expect(requestsIn(namespace).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 429',
      'GET 404',
      'POST 503',
      'POST 503',
      'POST 201',
    ]);
  });

  it('bounds every request: a hung API server times out and the call is retried', async () => {
    const namespace = ns('hung');
    const path = `/api/v1/namespaces/${namespace}/secrets/regcred`;
    fake.fail({ method: 'GET', path, status: 200, hangMs: 10_000 });
    const [entry] = await applyKubernetes(job({ namespaces: [namespace] }), '{"auths":{}}', {
      ...FAST,
      requestTimeoutMs: 300,
    });
    expect(entry!.action).toBe('created');
    expect(requestsIn(namespace).filter((r) => r.method === 'GET' && r.path === path)).toHaveLength(2);
  });

  it('reports a persistently hung API server as a timeout, not a stall', async () => {
    const namespace = ns('hung-always');
    fake.fail({
      method: 'GET',
      status: 200,
      path: `/api/v1/namespaces/${namespace}/secrets/regcred`,
      hangMs: 10_000,
      times: 10,
    });
    const [entry] = await applyKubernetes(job({ namespaces: [namespace] }), '{"auths":{}}', {
      retry: { attempts: 2, baseMs: 5, maxMs: 20 },
      requestTimeoutMs: 200,
    });
    expect(entry).toMatchObject({ action: 'failed' });
    expect(entry!.message).toMatch(/did not answer in time \(get secrets\)/);
  });

  it('stops retrying a persistent 500 after a bounded number of attempts', async () => {
    const namespace = ns('down');
    fake.fail({ path: `/api/v1/namespaces/${namespace}/secrets/regcred`, status: 500, times: 100 });
    const [entry] = await applyKubernetes(job({ namespaces: [namespace] }), '{"auths":{}}', {
      retry: { attempts: 3, baseMs: 5, maxMs: 20 },
    });
    expect(entry!.action).toBe('failed');
    expect(entry!.message).toMatch(/get secrets in namespace .* failed with 500 InternalError/);
    expect(requestsIn(namespace)).toHaveLength(3);
  });

  it('reports an unreachable cluster without hanging', async () => {
    const stopped = await FakeKube.start();
    const text = stopped.kubeconfig([{ name: 'gone' }]);
    await stopped.stop();
    const [entry] = await applyKubernetes(
      job({ source: { kind: 'inline', text }, contexts: ['gone'], namespaces: ['x'] }),
      '{"auths":{}}',
      FAST,
    );
    expect(entry!.action).toBe('failed');
    expect(entry!.message).toMatch(/cannot reach the API server of context gone/);
  });
});

describe('namespaces', () => {
  it('reports a missing namespace, or creates it (labelled) with kubernetes-create-namespace', async () => {
    const namespace = ns('preview', false);
    const missing = await ship({ 'kubernetes-namespaces': namespace });
    expect(missing.entries[0]!.action).toBe('failed');
    expect(missing.entries[0]!.message).toBe(
      `namespace ${namespace} does not exist (create it, or set kubernetes-create-namespace: true)`,
    );
    expect(fake.has('namespaces', undefined, namespace)).toBe(false);

    // The new namespace's `default` service account appears only after a delay, as with the controller.
    const created = await ship({
      'kubernetes-namespaces': namespace,
      'kubernetes-create-namespace': 'true',
      'kubernetes-service-accounts': 'default',
    });
    expect(created.entries[0]).toMatchObject({ action: 'created' });
    expect(created.entries[0]!.message).toContain('namespace created');
    expect(created.entries[0]!.message).toContain('linked from serviceaccount default');
    expect(
      (fake.get('namespaces', undefined, namespace)!.metadata as { labels: unknown }).labels,
    ).toMatchObject(MANAGED);
    expect(fake.get('serviceaccounts', namespace, 'default')!.imagePullSecrets).toEqual([
      { name: 'regcred' },
    ]);
  });

  it('works on several contexts and namespaces concurrently; one failing hides no other', async () => {
    const a = [ns('multi'), ns('multi')];
    other.addNamespace('shared');
    const text = kubeconfigFor(
      [
        { name: 'prod', fake },
        { name: 'staging', fake: other },
        { name: 'broken', fake, token: 'nobody' },
      ],
      'prod',
    );
    const namespaces = [...a, 'shared'];
    const { entries, results } = await ship({
      kubeconfig: text,
      'kubernetes-contexts': 'prod\nstaging\nbroken',
      'kubernetes-namespaces': namespaces.join('\n'),
    });
    expect(entries.map((e) => `${e.context}/${e.namespace}:${e.action}`)).toEqual([
      `prod/${a[0]}:created`,
      `prod/${a[1]}:created`,
      'prod/shared:failed', // no such namespace on this cluster
      `staging/${a[0]}:failed`,
      `staging/${a[1]}:failed`,
      'staging/shared:created',
      `broken/${a[0]}:failed`,
      `broken/${a[1]}:failed`,
      'broken/shared:failed',
    ]);
    expect(results.map((r) => r.subject)).toEqual(entries.map((e) => `${e.context}/${e.namespace}`));
    expect(
      entries.filter((e) => e.context === 'broken').every((e) => e.message.includes('unauthorized (401)')),
    ).toBe(true);
    expect(other.has('secrets', 'shared', 'regcred')).toBe(true);
  });
});

describe('service accounts and state absent', () => {
  it('links the secret once, keeps other entries, and unlinks it on absent; deletes only managed secrets', async () => {
    const namespace = ns('sa');
    fake.addServiceAccount(namespace, 'builder', ['other-secret']);
    const inputs = { 'kubernetes-namespaces': namespace, 'kubernetes-service-accounts': 'default\nbuilder' };
    const first = await ship(inputs);
    expect(first.entries[0]!.message).toBe(
      'secret regcred created; linked from serviceaccounts default, builder',
    );
    const second = await ship(inputs);
    expect(second.entries[0]!.action).toBe('unchanged');
    expect(fake.get('serviceaccounts', namespace, 'builder')!.imagePullSecrets).toEqual([
      { name: 'other-secret' },
      { name: 'regcred' },
    ]);
    expect(fake.get('serviceaccounts', namespace, 'default')!.imagePullSecrets).toEqual([
      { name: 'regcred' },
    ]);

    const removed = await ship({ ...inputs, state: 'absent', username: '', password: '' });
    expect(removed.entries[0]).toMatchObject({
      action: 'deleted',
      message: 'secret regcred deleted; unlinked from serviceaccounts default, builder',
    });
    expect(fake.has('secrets', namespace, 'regcred')).toBe(false);
    expect(fake.get('serviceaccounts', namespace, 'builder')!.imagePullSecrets).toEqual([
      { name: 'other-secret' },
    ]);
    // An emptied list is no field at all, as the apiserver returns it (omitempty).
    expect(fake.get('serviceaccounts', namespace, 'default')).not.toHaveProperty('imagePullSecrets');

    const again = await ship({ ...inputs, state: 'absent', username: '', password: '' });
    expect(again.entries[0]).toMatchObject({ action: 'absent', message: 'secret regcred not present' });
  });

  it('a secret linked meanwhile by someone else stays single (409 on the service account → fresh read)', async () => {
    const namespace = ns('sa-race');
    fake.before('PATCH', `/api/v1/namespaces/${namespace}/serviceaccounts/default`, () => {
      fake.addServiceAccount(namespace, 'default', ['regcred']);
    });
    const [entry] = await applyKubernetes(
      job({ namespaces: [namespace], serviceAccounts: ['default'] }),
      '{"auths":{}}',
      FAST,
    );
    expect(entry!.action).toBe('created');
    expect(fake.get('serviceaccounts', namespace, 'default')!.imagePullSecrets).toEqual([
      { name: 'regcred' },
    ]);
  });

  it('reports a listed service account that does not exist', async () => {
    const namespace = ns('sa-missing');
    const { entries } = await ship({
      'kubernetes-namespaces': namespace,
      'kubernetes-service-accounts': 'ghost',
    });
    expect(entries[0]).toMatchObject({
      action: 'failed',
      message: 'secret regcred created; serviceaccount ghost not found',
    });
  });

  it('leaves an unmanaged secret (and its service-account links) in place on absent', async () => {
    const namespace = ns('keep');
    fake.addSecret(namespace, {
      metadata: { name: 'regcred' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    });
    fake.addServiceAccount(namespace, 'default', ['regcred']);
    fake.resetLog();
    const { entries } = await ship({
      'kubernetes-namespaces': namespace,
      'kubernetes-service-accounts': 'default',
      state: 'absent',
    });
    expect(entries[0]).toMatchObject({
      action: 'unchanged',
      message: 'secret regcred is not managed by pull-credentials; left in place',
    });
    expect(fake.has('secrets', namespace, 'regcred')).toBe(true);
    expect(fake.get('serviceaccounts', namespace, 'default')!.imagePullSecrets).toEqual([
      { name: 'regcred' },
    ]);
    expect(requestsIn(namespace).map((r) => r.method)).toEqual(['GET']);
  });

  it('loses a delete against a concurrent rewrite (precondition), then deletes the fresh version', async () => {
    const namespace = ns('del-race');
    await ship({ 'kubernetes-namespaces': namespace });
    fake.resetLog();
    fake.before('DELETE', `/api/v1/namespaces/${namespace}/secrets/regcred`, () => {
      fake.touch('secrets', namespace, 'regcred');
    });
    const { entries } = await ship({ 'kubernetes-namespaces': namespace, state: 'absent' });
    expect(entries[0]!.action).toBe('deleted');
    expect(requestsIn(namespace).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'DELETE 409',
      'GET 200',
      'DELETE 200',
    ]);
  });
});

it('keeps passwords and encoded documents out of every message and output', async () => {
  const namespaces = [ns('leak'), ns('leak', false)];
  const outcome = await ship({
    'kubernetes-namespaces': namespaces.join('\n'),
    'kubernetes-service-accounts': 'ghost',
  });
  const visible = JSON.stringify(outcome);
  const raw = inputsOf({
    registry: 'ghcr.io',
    username: 'octo',
    password: PASSWORD,
    kubeconfig: fake.kubeconfig([{ name: 'kind-a' }]),
    'kubernetes-namespaces': 'x',
  });
  const plan = kubernetesTarget.plan(raw, buildPlan(raw));
  const secrets = kubernetesTarget.secrets!(plan);
  expect(secrets).toContain('admin-token');
  expect(secrets.length).toBeGreaterThanOrEqual(3);
  for (const secret of [PASSWORD, ...secrets]) expect(visible).not.toContain(secret);
});
