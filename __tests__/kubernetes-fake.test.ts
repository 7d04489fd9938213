/** The fake API server answers as a kube-apiserver documents it: checked here so other suites can trust it. */
import * as https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKube } from './support/fake-kube.js';

let fake: FakeKube;
beforeAll(async () => {
  fake = await FakeKube.start({
    namespaces: ['apps'],
    users: {
      'admin-token': { name: 'admin' },
      reader: { name: 'reader', rules: [{ verbs: ['get'], resources: ['secrets'], namespaces: ['apps'] }] },
    },
  });
});
afterAll(() => fake.stop());

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function request(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  token = 'admin-token',
): Promise<Reply> {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${fake.url}${path}`,
      {
        method,
        ca: fake.ca,
        // Node sends DELETE bodies unframed unless told their length.
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': contentType,
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const pullSecret = (
  name: string,
  data: Record<string, string> = { '.dockerconfigjson': b64('{"auths":{}}') },
  type = 'kubernetes.io/dockerconfigjson',
) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  data,
});

describe('error responses are Status objects', () => {
  const cases: {
    name: string;
    send: () => Promise<Reply>;
    code: number;
    reason: string;
    message: RegExp;
    kind?: string;
  }[] = [
    {
      name: '401 on an unknown token',
      send: () => request('GET', '/api/v1/namespaces/apps/secrets/x', undefined, undefined, 'nope'),
      code: 401,
      reason: 'Unauthorized',
      message: /^Unauthorized$/,
    },
    {
      name: '403 names user, verb, resource and namespace',
      send: () => request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('r'), undefined, 'reader'),
      code: 403,
      reason: 'Forbidden',
      message:
        /^secrets is forbidden: User "reader" cannot create resource "secrets" in API group "" in the namespace "apps"$/,
      kind: 'secrets',
    },
    {
      name: '404 secret',
      send: () => request('GET', '/api/v1/namespaces/apps/secrets/missing'),
      code: 404,
      reason: 'NotFound',
      message: /secrets "missing" not found/,
      kind: 'secrets',
    },
    {
      name: '404 secret in a missing namespace',
      send: () => request('GET', '/api/v1/namespaces/nope/secrets/x'),
      code: 404,
      reason: 'NotFound',
      message: /secrets "x" not found/,
      kind: 'secrets',
    },
    {
      name: '404 namespace on create in a missing namespace',
      send: () => request('POST', '/api/v1/namespaces/nope/secrets', pullSecret('x')),
      code: 404,
      reason: 'NotFound',
      message: /namespaces "nope" not found/,
      kind: 'namespaces',
    },
    {
      name: '422 bad secret name',
      send: () => request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('Bad_Name')),
      code: 422,
      reason: 'Invalid',
      message: /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
      kind: 'Secret',
    },
    {
      name: '422 missing data key for the type',
      send: () => request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('k', { other: b64('{}') })),
      code: 422,
      reason: 'Invalid',
      message: /data\[\.dockerconfigjson\]: Required value/,
      kind: 'Secret',
    },
    {
      name: '422 data not JSON (contents redacted)',
      send: () =>
        request(
          'POST',
          '/api/v1/namespaces/apps/secrets',
          pullSecret('j', { '.dockercfg': b64('not json') }, 'kubernetes.io/dockercfg'),
        ),
      code: 422,
      reason: 'Invalid',
      message: /data\[\.dockercfg\]: Invalid value: "<secret contents redacted>"/,
      kind: 'Secret',
    },
    {
      name: '422 bad label value',
      send: () =>
        request('POST', '/api/v1/namespaces/apps/secrets', {
          ...pullSecret('l'),
          metadata: { name: 'l', labels: { a: 'b c' } },
        }),
      code: 422,
      reason: 'Invalid',
      message: /metadata.labels/,
      kind: 'Secret',
    },
    {
      name: '400 data not base64',
      send: () =>
        request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('b', { '.dockerconfigjson': '%%%' })),
      code: 400,
      reason: 'BadRequest',
      message: /illegal base64/,
    },
    {
      name: '422 namespace name',
      send: () => request('POST', '/api/v1/namespaces', { metadata: { name: 'a.b' } }),
      code: 422,
      reason: 'Invalid',
      message: /RFC 1123 label/,
      kind: 'Namespace',
    },
    {
      name: '415 server-side apply is not faked',
      send: () =>
        request(
          'PATCH',
          '/api/v1/namespaces/apps/serviceaccounts/default',
          '{}',
          'application/apply-patch+yaml',
        ),
      code: 415,
      reason: 'UnsupportedMediaType',
      message: /unknown format/,
    },
  ];
  it.each(cases)('$name', async ({ send, code, reason, message, kind }) => {
    const { status, body } = await send();
    expect(status).toBe(code);
    expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
    expect(body.message).toMatch(message);
    expect((body.details as { kind?: string } | undefined)?.kind).toBe(kind);
  });
});

describe('objects', () => {
  it('creates with server fields, 409 AlreadyExists, 409 Conflict on a stale PUT, 422 on a type change, Status on delete', async () => {
    const created = await request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('s1'));
    expect(created.status).toBe(201);
    const meta = created.body.metadata as { resourceVersion: string; uid: string; namespace: string };
    expect(meta).toMatchObject({
      namespace: 'apps',
      uid: expect.any(String) as string,
      resourceVersion: expect.stringMatching(/^\d+$/) as string,
    });
    expect((await request('POST', '/api/v1/namespaces/apps/secrets', pullSecret('s1'))).body).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });

    const ok = await request('PUT', '/api/v1/namespaces/apps/secrets/s1', {
      ...created.body,
      data: { '.dockerconfigjson': b64('{"auths":{"a":{}}}') },
    });
    expect(ok.status).toBe(200);
    expect((ok.body.metadata as { uid: string }).uid).toBe(meta.uid);
    const stale = await request('PUT', '/api/v1/namespaces/apps/secrets/s1', created.body);
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.body.message).toMatch(/the object has been modified/);
    const retyped = await request('PUT', '/api/v1/namespaces/apps/secrets/s1', {
      ...ok.body,
      type: 'Opaque',
    });
    expect(retyped.body).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(retyped.body.message).toMatch(/type: Invalid value: "Opaque": field is immutable/);

    const current = ok.body.metadata as { resourceVersion: string };
    const precondition = await request('DELETE', '/api/v1/namespaces/apps/secrets/s1', {
      preconditions: { resourceVersion: meta.resourceVersion },
    });
    expect(precondition.body).toMatchObject({ code: 409, reason: 'Conflict' });
    const deleted = await request('DELETE', '/api/v1/namespaces/apps/secrets/s1', {
      preconditions: { resourceVersion: current.resourceVersion },
    });
    expect(deleted.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 's1', kind: 'secrets' },
    });
    expect(fake.has('secrets', 'apps', 's1')).toBe(false);
  });

  it('a terminating namespace refuses creates (403 NamespaceTerminating) but not updates; emptied lists vanish', async () => {
    fake.addNamespace('closing');
    await request('POST', '/api/v1/namespaces/closing/secrets', pullSecret('old'));
    fake.terminateNamespace('closing');
    const refused = await request('POST', '/api/v1/namespaces/closing/secrets', pullSecret('new'));
    expect(refused.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'secrets "new" is forbidden: unable to create new content in namespace closing because it is being terminated',
      reason: 'Forbidden',
      details: {
        name: 'new',
        kind: 'secrets',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace closing is being terminated',
            field: 'metadata.namespace',
          },
        ],
      },
      code: 403,
    });
    expect(
      (await request('POST', '/api/v1/namespaces', { metadata: { name: 'closing' } })).body,
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    const old = await request('GET', '/api/v1/namespaces/closing/secrets/old');
    expect((await request('PUT', '/api/v1/namespaces/closing/secrets/old', old.body)).status).toBe(200);

    fake.addServiceAccount('closing', 'sa', ['x']);
    const emptied = await request(
      'PATCH',
      '/api/v1/namespaces/closing/serviceaccounts/sa',
      { imagePullSecrets: [] },
      'application/merge-patch+json',
    );
    expect(emptied.status).toBe(200);
    expect(emptied.body).not.toHaveProperty('imagePullSecrets');
  });

  it('patches service accounts with JSON, merge and strategic-merge patches', async () => {
    fake.addServiceAccount('apps', 'patched', ['keep']);
    const path = '/api/v1/namespaces/apps/serviceaccounts/patched';
    const json = await request(
      'PATCH',
      path,
      [{ op: 'add', path: '/imagePullSecrets/-', value: { name: 'a' } }],
      'application/json-patch+json',
    );
    expect(json.body.imagePullSecrets).toEqual([{ name: 'keep' }, { name: 'a' }]);
    const failedTest = await request(
      'PATCH',
      path,
      [{ op: 'test', path: '/imagePullSecrets/0/name', value: 'x' }],
      'application/json-patch+json',
    );
    expect(failedTest.body).toMatchObject({ code: 422 });
    const strategic = await request(
      'PATCH',
      path,
      { imagePullSecrets: [{ name: 'b' }, { name: 'a', $patch: 'delete' }] },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.body.imagePullSecrets).toEqual([{ name: 'keep' }, { name: 'b' }]);
    const merge = await request(
      'PATCH',
      path,
      { imagePullSecrets: [{ name: 'only' }] },
      'application/merge-patch+json',
    );
    expect(merge.body.imagePullSecrets).toEqual([{ name: 'only' }]);
    const stale = await request(
      'PATCH',
      path,
      { metadata: { resourceVersion: '1' }, imagePullSecrets: [] },
      'application/merge-patch+json',
    );
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('logs every request and injects faults with Retry-After', async () => {
    fake.resetLog();
    fake.fail({ method: 'GET', path: /\/secrets\/flaky$/, status: 503, retryAfterSeconds: 2 });
    expect((await request('GET', '/api/v1/namespaces/apps/secrets/flaky')).status).toBe(503);
    expect((await request('GET', '/api/v1/namespaces/apps/secrets/flaky')).status).toBe(404);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /api/v1/namespaces/apps/secrets/flaky 503',
      'GET /api/v1/namespaces/apps/secrets/flaky 404',
    ]);
  });
});
