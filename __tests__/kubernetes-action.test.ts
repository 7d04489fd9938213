/**
 * Review of the Kubernetes target through the built action (ACTION_MAIN or dist/main.js), the way
 * workflows really configure it: KUBECONFIG with several files, ~/.kube/config, the kubeconfig input
 * as a path, broken contexts next to good ones, PR previews, and leak checks with RUNNER_DEBUG=1.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLines, runAction, type ActionRun } from './support/action.js';
import { FakeKube, kubeconfigFor } from './support/fake-kube.js';

const PASSWORD = 'review-Kube-Pw-91';
const TOKEN_A = 'kube-token-AAAA-5150';
const TOKEN_B = 'kube-token-BBBB-7734';

let a: FakeKube;
let b: FakeKube;
beforeAll(async () => {
  a = await FakeKube.start({
    namespaces: ['apps', 'web'],
    users: { [TOKEN_A]: { name: 'ci-a' } },
    defaultServiceAccountDelayMs: 100,
  });
  b = await FakeKube.start({ namespaces: ['apps', 'web'], users: { [TOKEN_B]: { name: 'ci-b' } } });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
});

/** kubectl, offline (config view only), without blocking the fakes' event loop. */
async function kubectl(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const { stdout } = await promisify(execFile)('kubectl', args, { encoding: 'utf8', ...options });
  return JSON.parse(stdout) as unknown;
}

const base = { registry: 'ghcr.io', username: 'octo', password: PASSWORD, verify: 'off' };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pc-review-k8s-'));
}

interface Entry {
  context: string;
  namespace: string;
  secret: string;
  action: string;
  message: string;
}
const entries = (run: ActionRun): Entry[] => JSON.parse(run.outputs.kubernetes ?? '[]') as Entry[];

describe('where the kubeconfig comes from', () => {
  it('merges KUBECONFIG files as kubectl does, even when they share user or cluster names', async () => {
    // Two clusters' kubeconfigs as admins download them: both call their user `admin`.
    const dir = tmp();
    const one = path.join(dir, 'one.yaml');
    const two = path.join(dir, 'two.yaml');
    fs.writeFileSync(
      one,
      kubeconfigFor([{ name: 'ctx-a', fake: a, token: TOKEN_A }], 'ctx-a').replace(/user-ctx-a/g, 'admin'),
    );
    fs.writeFileSync(
      two,
      kubeconfigFor([{ name: 'ctx-b', fake: b, token: TOKEN_B }], 'ctx-b')
        .replace(/user-ctx-b/g, 'admin')
        .replace(/cluster-ctx-b/g, 'cluster-ctx-a'),
    );
    // kubectl's answer for the merged view: ctx-b uses the first file's `admin` and cluster.
    const view = (await kubectl(['config', 'view', '--raw', '-o', 'json'], {
      env: { ...process.env, KUBECONFIG: `${one}${path.delimiter}${two}` },
    })) as { users: { name: string; user: { token: string } }[]; clusters: { name: string }[] };
    expect(view.users).toEqual([{ name: 'admin', user: { token: TOKEN_A } }]);
    expect(view.clusters.map((c) => c.name)).toEqual(['cluster-ctx-a']);

    a.resetLog();
    const run = await runAction(
      {
        ...base,
        'kubernetes-namespaces': 'apps',
        'kubernetes-contexts': 'ctx-a\nctx-b',
        'kubernetes-secret-name': 'merged',
      },
      { env: { KUBECONFIG: `${one}${path.delimiter}${two}` } },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    // Both contexts resolve to cluster A with the first file's token, exactly as kubectl would. They
    // run concurrently, so which of the two creates the secret is a race: exactly one does.
    expect(entries(run).map((e) => e.context)).toEqual(['ctx-a', 'ctx-b']);
    expect(
      entries(run)
        .map((e) => e.action)
        .sort(),
    ).toEqual(['created', 'unchanged']);
    // One create took (a second POST, if both raced past their GET, answers 409 AlreadyExists).
    expect(
      a.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/secrets') && r.status === 201),
    ).toHaveLength(1);
    expect(a.get('secrets', 'apps', 'merged')).toMatchObject({
      metadata: { name: 'merged', namespace: 'apps' },
      type: 'kubernetes.io/dockerconfigjson',
    });
    expect(b.has('secrets', 'apps', 'merged')).toBe(false);
    expect(new Set(a.requests.map((r) => r.user))).toEqual(new Set(['ci-a']));
  });

  it('reads ~/.kube/config through HOME, and masks the tokens it holds', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'home', '.kube'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'home', '.kube', 'config'),
      kubeconfigFor([{ name: 'home-a', fake: a, token: TOKEN_A }], 'home-a'),
    );
    const run = await runAction(
      { ...base, 'kubernetes-namespaces': 'web', 'kubernetes-secret-name': 'from-home' },
      { workDir: dir, env: { RUNNER_DEBUG: '1' } },
    );
    expect(run.main.code).toBe(0);
    expect(entries(run)).toEqual([
      {
        context: 'home-a',
        namespace: 'web',
        secret: 'from-home',
        action: 'created',
        message: 'secret from-home created',
      },
    ]);
    expect(run.main.stdout).toContain(`::add-mask::${TOKEN_A}`);
    expect(run.shown).not.toContain(TOKEN_A);
  });

  it('resolves relative paths in a kubeconfig file named by the input against that file, as kubectl does', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'deploy'));
    fs.writeFileSync(path.join(dir, 'deploy', 'ca.crt'), a.ca);
    const text = kubeconfigFor([{ name: 'rel', fake: a, token: TOKEN_A }], 'rel').replace(
      /certificate-authority-data: .*/,
      'certificate-authority: ca.crt',
    );
    fs.writeFileSync(path.join(dir, 'deploy', 'kubeconfig'), text);
    // kubectl reads the CA next to the file (and so must we), whatever the working directory.
    const view = (await kubectl(
      ['config', 'view', '--raw', '--flatten', '-o', 'json', '--kubeconfig', 'deploy/kubeconfig'],
      { cwd: dir },
    )) as { clusters: { cluster: { 'certificate-authority-data': string } }[] };
    expect(view.clusters[0]!.cluster['certificate-authority-data']).toBe(
      Buffer.from(a.ca).toString('base64'),
    );

    const run = await runAction(
      {
        ...base,
        'kubernetes-namespaces': 'web',
        kubeconfig: 'deploy/kubeconfig',
        'kubernetes-secret-name': 'relative',
      },
      { workDir: dir },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(entries(run).map((e) => e.action)).toEqual(['created']);
    expect(a.has('secrets', 'web', 'relative')).toBe(true);
  });

  it('refuses a kubeconfig naming a missing CA file before any request, naming the input', async () => {
    const dir = tmp();
    const text = kubeconfigFor([{ name: 'nofile', fake: a, token: TOKEN_A }], 'nofile').replace(
      /certificate-authority-data: .*/,
      'certificate-authority: missing-ca.crt',
    );
    fs.writeFileSync(path.join(dir, 'kubeconfig'), text);
    a.resetLog();
    const run = await runAction(
      { ...base, 'kubernetes-namespaces': 'web' },
      { workDir: dir, env: { KUBECONFIG: path.join(dir, 'kubeconfig') } },
    );
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)).toEqual([
      `Input 'kubeconfig': cluster 'cluster-nofile' in ${path.join(dir, 'kubeconfig')} names certificate-authority missing-ca.crt, which does not exist (relative to ${dir})`,
    ]);
    expect(a.requests).toEqual([]);
  });

  it('says what is wrong with a one-line kubeconfig that is neither a file nor YAML', async () => {
    const missing = await runAction({
      ...base,
      'kubernetes-namespaces': 'web',
      kubeconfig: './ci/kubeconfig',
    });
    expect(errorLines(missing.main)).toEqual([
      "Input 'kubeconfig': is one line naming no existing file: pass the kubeconfig content (from a secret) or the path of a file written by an earlier step",
    ]);
    const encoded = Buffer.from(a.kubeconfig([{ name: 'x', token: TOKEN_A }])).toString('base64');
    const base64 = await runAction({ ...base, 'kubernetes-namespaces': 'web', kubeconfig: encoded });
    expect(errorLines(base64.main)).toEqual([
      "Input 'kubeconfig': looks base64-encoded: pass the kubeconfig YAML itself (decode it first, e.g. base64 -d)",
    ]);
    expect(base64.shown).not.toContain(encoded);
  });
});

describe('fan-out, failures and reporting', () => {
  it('a broken context fails only its own pairs; the summary, annotations and exit code say so', async () => {
    const kubeconfig = kubeconfigFor(
      [
        { name: 'good', fake: a, token: TOKEN_A },
        { name: 'expired', fake: b, token: 'kube-token-EXPIRED-0001' },
      ],
      'good',
    );
    const run = await runAction(
      {
        ...base,
        kubeconfig,
        'kubernetes-contexts': 'good\nexpired',
        'kubernetes-namespaces': 'apps\nweb',
        'kubernetes-secret-name': 'fanout',
      },
      { env: { RUNNER_DEBUG: '1' } },
    );
    expect(run.main.code).toBe(1);
    expect(entries(run).map((e) => `${e.context}/${e.namespace}:${e.action}`)).toEqual([
      'good/apps:created',
      'good/web:created',
      'expired/apps:failed',
      'expired/web:failed',
    ]);
    const failed = entries(run).filter((e) => e.action === 'failed');
    for (const e of failed)
      expect(e.message).toMatch(/^unauthorized \(401\) in context expired: .*kubeconfig user/);
    // One annotation for the one problem, naming both pairs it hit.
    expect(run.main.stdout).toContain(
      '::error title=kubernetes expired/apps%2C expired/web%3A failed::unauthorized (401)',
    );
    expect(run.main.stdout.match(/^::error title=kubernetes/gm)).toHaveLength(1);
    expect(errorLines(run.main).at(-1)).toBe(
      '2 target write(s) failed: kubernetes expired/apps, kubernetes expired/web',
    );
    // One summary row per pair.
    expect(run.summary.match(/<td>kubernetes<\/td>/g)).toHaveLength(4);
    expect(run.summary).toContain('<td><code>expired/web</code></td><td>❌ failed</td>');
    for (const secret of [PASSWORD, TOKEN_A, 'kube-token-EXPIRED-0001']) {
      expect(run.shown).not.toContain(secret);
    }
  });

  it('PR preview: creates the namespace and links default, then state absent without credentials undoes it', async () => {
    const kubeconfig = a.kubeconfig([{ name: 'ci', token: TOKEN_A }]);
    const previews = [
      'pr-101',
      'pr-102',
      'pr-103',
      'pr-104',
      'pr-105',
      'pr-106',
      'pr-107',
      'pr-108',
      'pr-109',
      'pr-110',
    ];
    const opened = await runAction({
      ...base,
      kubeconfig,
      'kubernetes-namespaces': previews.join('\n'),
      'kubernetes-create-namespace': 'true',
      'kubernetes-service-accounts': 'default',
      'kubernetes-secret-name': 'preview-pull',
    });
    expect(opened.main.code).toBe(0);
    expect(entries(opened).map((e) => e.action)).toEqual(previews.map(() => 'created'));
    for (const ns of previews) {
      expect((a.get('namespaces', undefined, ns)!.metadata as { labels: object }).labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'pull-credentials',
      });
      expect(a.get('serviceaccounts', ns, 'default')!.imagePullSecrets).toEqual([{ name: 'preview-pull' }]);
    }

    // synchronize: nothing changed → a read per namespace and a read of the service account, no writes.
    a.resetLog();
    const again = await runAction({
      ...base,
      kubeconfig,
      'kubernetes-namespaces': previews.join('\n'),
      'kubernetes-create-namespace': 'true',
      'kubernetes-service-accounts': 'default',
      'kubernetes-secret-name': 'preview-pull',
    });
    expect(entries(again).map((e) => e.action)).toEqual(previews.map(() => 'unchanged'));
    expect(a.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(a.requests).toHaveLength(previews.length * 2);

    // closed: no registry credentials in the workflow at all.
    const closed = await runAction({
      kubeconfig,
      state: 'absent',
      'kubernetes-namespaces': previews.join('\n'),
      'kubernetes-service-accounts': 'default',
      'kubernetes-secret-name': 'preview-pull',
    });
    expect(errorLines(closed.main)).toEqual([]);
    expect(entries(closed).map((e) => e.action)).toEqual(previews.map(() => 'deleted'));
    for (const ns of previews) {
      expect(a.has('secrets', ns, 'preview-pull')).toBe(false);
      expect(a.get('serviceaccounts', ns, 'default')).not.toHaveProperty('imagePullSecrets');
    }
  });

  it('a PR reopened while its preview namespace is still terminating is reported as such, not as RBAC', async () => {
    a.addNamespace('pr-200');
    a.terminateNamespace('pr-200');
    a.resetLog();
    const run = await runAction({
      ...base,
      kubeconfig: a.kubeconfig([{ name: 'ci', token: TOKEN_A }]),
      'kubernetes-namespaces': 'pr-200\nweb',
      'kubernetes-create-namespace': 'true',
      'kubernetes-secret-name': 'reopened',
    });
    expect(run.main.code).toBe(1);
    expect(entries(run)).toEqual([
      {
        context: 'ci',
        namespace: 'pr-200',
        secret: 'reopened',
        action: 'failed',
        message:
          'namespace pr-200 is being deleted (terminating), so nothing new can be created in it: run again once it is gone',
      },
      {
        context: 'ci',
        namespace: 'web',
        secret: 'reopened',
        action: 'created',
        message: 'secret reopened created',
      },
    ]);
    // The apiserver's NamespaceLifecycle refusal: one 403 on the create, no retry.
    expect(
      a.requests.filter((r) => r.path.includes('/pr-200/')).map((r) => `${r.method} ${r.status}`),
    ).toEqual(['GET 404', 'POST 403']);
  });

  it('a failing verification (verify: fail) makes no request to the cluster', async () => {
    a.resetLog();
    const run = await runAction({
      ...base,
      verify: 'fail',
      registry: 'http://127.0.0.1:9', // nothing listens: the login cannot be verified
      kubeconfig: a.kubeconfig([{ name: 'ci', token: TOKEN_A }]),
      'kubernetes-namespaces': 'apps',
      'kubernetes-secret-name': 'never',
    });
    expect(run.main.code).toBe(1);
    expect(a.requests).toEqual([]);
    expect(run.outputs.kubernetes).toBeUndefined();
  });
});
