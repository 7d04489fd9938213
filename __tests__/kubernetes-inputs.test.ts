/** plan() of the Kubernetes target: every bad input is an InputError before any request is made. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { buildPlan } from '../src/plan.js';
import { planKubernetes } from '../src/targets/kubernetes.js';
import { FakeKube, kubeconfigFor } from './support/fake-kube.js';
import { clearInputs, inputsOf } from './support/inputs.js';

let fake: FakeKube;
let kubeconfig: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-inputs-'));
const savedEnv = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };

beforeAll(async () => {
  fake = await FakeKube.start({ namespaces: ['apps'] });
  kubeconfig = kubeconfigFor(
    [
      { name: 'prod', fake },
      { name: 'staging', fake },
    ],
    'prod',
  );
});
afterAll(async () => {
  await fake.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  }
});

function plan(inputs: Record<string, string>) {
  clearInputs();
  const raw = inputsOf({
    registry: 'ghcr.io',
    username: 'octo',
    password: 'pw-123456',
    kubeconfig,
    ...inputs,
  });
  return planKubernetes(raw, buildPlan(raw));
}

const TOKEN_CONFIG = `
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user:
    token: very-secret-token-value
    client-key-data: ${Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkeymaterialline1\n-----END EC PRIVATE KEY-----\n').toString('base64')}
- name: p
  user: {username: admin, password: basic-auth-password}
- name: o
  user:
    auth-provider: {name: oidc, config: {id-token: oidc-id-token-value, client-id: public-client}}
contexts:
- name: only
  context: {cluster: c, user: u}
`;

describe('bad inputs', () => {
  const cases: { name: string; inputs: Record<string, string>; input: string; message: RegExp }[] = [
    {
      name: 'secret name with capitals',
      inputs: { 'kubernetes-secret-name': 'RegCred' },
      input: 'kubernetes-secret-name',
      message: /DNS-1123 subdomain/,
    },
    {
      name: 'secret name too long',
      inputs: { 'kubernetes-secret-name': 'a'.repeat(254) },
      input: 'kubernetes-secret-name',
      message: /at most 253/,
    },
    {
      name: 'namespace with a dot',
      inputs: { 'kubernetes-namespaces': 'team.apps' },
      input: 'kubernetes-namespaces',
      message: /DNS-1123 label/,
    },
    {
      name: 'namespace listed twice',
      inputs: { 'kubernetes-namespaces': 'apps\napps' },
      input: 'kubernetes-namespaces',
      message: /listed twice/,
    },
    {
      name: 'service account name',
      inputs: { 'kubernetes-service-accounts': 'Default' },
      input: 'kubernetes-service-accounts',
      message: /DNS-1123/,
    },
    {
      name: 'label without =',
      inputs: { 'kubernetes-labels': 'team' },
      input: 'kubernetes-labels',
      message: /key=value/,
    },
    {
      name: 'label key',
      inputs: { 'kubernetes-labels': 'team name=x' },
      input: 'kubernetes-labels',
      message: /key 'team name'/,
    },
    {
      name: 'label key prefix',
      inputs: { 'kubernetes-labels': 'Example.com/team=x' },
      input: 'kubernetes-labels',
      message: /prefix/,
    },
    {
      name: 'label value too long',
      inputs: { 'kubernetes-labels': `team=${'x'.repeat(64)}` },
      input: 'kubernetes-labels',
      message: /at most 63/,
    },
    {
      name: 'label value characters',
      inputs: { 'kubernetes-labels': 'team=a b' },
      input: 'kubernetes-labels',
      message: /value of 'team'/,
    },
    {
      name: 'managed-by label',
      inputs: { 'kubernetes-labels': 'app.kubernetes.io/managed-by=helm' },
      input: 'kubernetes-labels',
      message: /set by pull-credentials/,
    },
    {
      name: 'annotation key',
      inputs: { 'kubernetes-annotations': '-bad=x' },
      input: 'kubernetes-annotations',
      message: /key '-bad'/,
    },
    {
      name: 'hash annotation',
      inputs: { 'kubernetes-annotations': 'pull-credentials/content-sha256=0' },
      input: 'kubernetes-annotations',
      message: /set by pull-credentials/,
    },
    {
      name: 'secret type',
      inputs: { 'kubernetes-secret-type': 'opaque' },
      input: 'kubernetes-secret-type',
      message: /dockerconfigjson, dockercfg/,
    },
    {
      name: 'create-namespace boolean',
      inputs: { 'kubernetes-create-namespace': 'yes' },
      input: 'kubernetes-create-namespace',
      message: /not a boolean/,
    },
    {
      name: 'force boolean',
      inputs: { 'kubernetes-force': '1' },
      input: 'kubernetes-force',
      message: /not a boolean/,
    },
    {
      name: 'unknown context',
      inputs: { 'kubernetes-contexts': 'prod\nqa' },
      input: 'kubernetes-contexts',
      message: /context 'qa' is not in the kubeconfig input \(contexts: prod, staging\)/,
    },
    {
      name: 'context listed twice',
      inputs: { 'kubernetes-contexts': 'prod\nprod' },
      input: 'kubernetes-contexts',
      message: /listed twice/,
    },
    {
      name: 'kubeconfig not YAML',
      inputs: { kubeconfig: 'clusters: [\n  token: abc' },
      input: 'kubeconfig',
      message: /not valid YAML at line/,
    },
    {
      name: 'kubeconfig not a mapping',
      inputs: { kubeconfig: '- a\n- b' },
      input: 'kubeconfig',
      message: /not a kubeconfig/,
    },
    {
      name: 'kubeconfig without contexts',
      inputs: { kubeconfig: 'apiVersion: v1\nclusters: []\n' },
      input: 'kubeconfig',
      message: /defines no contexts/,
    },
    {
      name: 'no current-context',
      inputs: {
        kubeconfig: TOKEN_CONFIG,
      },
      input: 'kubernetes-contexts',
      message: /no current-context/,
    },
    {
      name: 'context without its cluster',
      inputs: {
        kubeconfig: 'contexts:\n- name: a\n  context: {cluster: nowhere, user: u}\ncurrent-context: a\n',
      },
      input: 'kubeconfig',
      message: /refers to cluster 'nowhere'/,
    },
    {
      name: 'cluster without server',
      inputs: {
        kubeconfig:
          'clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: a\n  context: {cluster: c}\ncurrent-context: a\n',
      },
      input: 'kubeconfig',
      message: /no http\(s\) server URL/,
    },
    {
      name: 'context without its user',
      inputs: { kubeconfig: TOKEN_CONFIG.replace('user: u}', 'user: missing}') + 'current-context: only\n' },
      input: 'kubeconfig',
      message: /refers to user 'missing'/,
    },
  ];
  it.each(cases)('$name', ({ inputs, input, message }) => {
    fake.resetLog();
    let error: unknown;
    try {
      plan({ 'kubernetes-namespaces': 'apps', ...inputs });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).message).not.toContain('token');
    expect(fake.requests).toEqual([]);
  });
});

describe('plan', () => {
  it('is disabled without namespaces and inputs left at their defaults', () => {
    expect(plan({ kubeconfig: '' })).toBeUndefined();
  });

  it('fans out to the current context by default, or the listed ones', () => {
    expect(plan({ 'kubernetes-namespaces': 'apps' })!.contexts).toEqual(['prod']);
    expect(
      plan({ 'kubernetes-namespaces': 'apps', 'kubernetes-contexts': 'staging\nprod' })!.contexts,
    ).toEqual(['staging', 'prod']);
  });

  it('finds every credential in the kubeconfig users for masking', () => {
    const p = plan({
      'kubernetes-namespaces': 'apps',
      kubeconfig: `${TOKEN_CONFIG}current-context: only\n`,
    })!;
    expect(p.kubeconfigSecrets).toEqual(
      expect.arrayContaining([
        'very-secret-token-value',
        'basic-auth-password',
        'oidc-id-token-value',
        'MHcCAQEEIkeymaterialline1',
      ]),
    );
    expect(p.kubeconfigSecrets).not.toContain('public-client');
  });

  it('renders the kubectl-format document for present and none for absent', () => {
    const present = plan({ 'kubernetes-namespaces': 'apps' })!;
    expect(JSON.parse(present.document!)).toEqual({
      auths: {
        'ghcr.io': {
          username: 'octo',
          password: 'pw-123456',
          auth: Buffer.from('octo:pw-123456').toString('base64'),
        },
      },
    });
    expect(plan({ 'kubernetes-namespaces': 'apps', state: 'absent' })!.document).toBeUndefined();
  });

  it('reads KUBECONFIG files (first file wins, as kubectl merges), then ~/.kube/config', () => {
    const first = path.join(tmp, 'first.yaml');
    const second = path.join(tmp, 'second.yaml');
    fs.writeFileSync(first, kubeconfigFor([{ name: 'one', fake }], 'one'));
    fs.writeFileSync(second, kubeconfigFor([{ name: 'two', fake }], 'two'));
    process.env.KUBECONFIG = [first, second].join(path.delimiter);
    const merged = plan({
      kubeconfig: '',
      'kubernetes-namespaces': 'apps',
      'kubernetes-contexts': 'one\ntwo',
    })!;
    expect(merged.source).toEqual({
      kind: 'files',
      files: [first, second],
      description: `KUBECONFIG (${process.env.KUBECONFIG})`,
    });
    expect(plan({ kubeconfig: '', 'kubernetes-namespaces': 'apps' })!.contexts).toEqual(['one']);

    Reflect.deleteProperty(process.env, 'KUBECONFIG');
    process.env.HOME = tmp;
    fs.mkdirSync(path.join(tmp, '.kube'), { recursive: true });
    fs.writeFileSync(path.join(tmp, '.kube', 'config'), kubeconfigFor([{ name: 'home', fake }], 'home'));
    expect(plan({ kubeconfig: '', 'kubernetes-namespaces': 'apps' })!.contexts).toEqual(['home']);
  });

  it('refuses to fall back to http://localhost:8080 when there is no kubeconfig at all', () => {
    Reflect.deleteProperty(process.env, 'KUBECONFIG');
    process.env.HOME = fs.mkdtempSync(path.join(tmp, 'empty-home-'));
    expect(() => plan({ kubeconfig: '', 'kubernetes-namespaces': 'apps' })).toThrow(/no kubeconfig found/);
  });

  it('accepts the kubeconfig input as a path to a file', () => {
    const file = path.join(tmp, 'as-path.yaml');
    fs.writeFileSync(file, kubeconfig);
    expect(plan({ kubeconfig: file, 'kubernetes-namespaces': 'apps' })!.contexts).toEqual(['prod']);
  });

  it.each(['with:colon', 'a:b:c'])(
    'takes a one-line path holding a colon (%s) for a path, not for YAML',
    (dirName) => {
      const dir = path.join(tmp, dirName);
      const file = path.join(dir, 'config');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, kubeconfig);
      // A Linux path with ':' (and D:\a\_temp\kubeconfig on Windows) is a path; only a `key: value` is YAML.
      expect(plan({ kubeconfig: file, 'kubernetes-namespaces': 'apps' })!.source).toEqual({
        kind: 'files',
        files: [file],
        description: 'the file named by the kubeconfig input',
      });
    },
  );

  it('expands ~/ in a kubeconfig path', () => {
    process.env.HOME = tmp;
    fs.writeFileSync(path.join(tmp, 'home-config'), kubeconfig);
    expect(plan({ kubeconfig: '~/home-config', 'kubernetes-namespaces': 'apps' })!.source).toMatchObject({
      files: [path.join(tmp, 'home-config')],
    });
  });

  it('never loads @kubernetes/client-node to plan (only present/absent import it)', () => {
    const source = fs.readFileSync(path.resolve(import.meta.dirname, '../src/targets/kubernetes.ts'), 'utf8');
    const staticImports = [...source.matchAll(/^import (type )?.*from '([^']+)';$/gm)];
    expect(
      staticImports.filter(
        ([, type, from]) => !type && (from!.includes('client-node') || from!.endsWith('/apply.js')),
      ),
    ).toEqual([]);
    for (const file of ['kubeconfig.ts', 'names.ts']) {
      const text = fs.readFileSync(
        path.resolve(import.meta.dirname, '../src/targets/kubernetes', file),
        'utf8',
      );
      expect(text).not.toMatch(/from '@kubernetes\/client-node'|import\('@kubernetes/);
    }
  });
});
