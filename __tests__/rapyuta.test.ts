import { registerCredential, registerSecret } from '../src/secrets.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Inputs } from '../src/context.js';
import { InputError } from '../src/errors.js';
import { rapyutaTarget, type RapyutaPlan } from '../src/targets/rapyuta.js';
import type { TargetOutcome } from '../src/targets/types.js';
import { FakeRapyuta } from './support/fake-rapyuta.js';
import { basePlan, makeContext, makeInputs } from './support/rapyuta-inputs.js';

const fake = new FakeRapyuta();
const HUB = 'https://index.docker.io/v1/';
const PASSWORD = 'hub-pa55word-XYZ';

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
});

function rio(overrides: Partial<Inputs> = {}): Inputs {
  return makeInputs({
    username: 'janedoe',
    password: PASSWORD,
    email: 'jane@example.com',
    rapyutaToken: fake.token,
    rapyutaOrganization: fake.organization,
    rapyutaProject: fake.project,
    rapyutaSecretName: 'docker-pull',
    rapyutaApiUrl: fake.url,
    ...overrides,
  });
}

const twoRegistries = `
- registry: ghcr.io
  username: octo
  password: ghcr-t0ken-AAA
  email: octo@example.com
- registry: registry.example.com:5000
  username: robot
  password: priv-pa55-BBB
  email: robot@example.com
`;

function planOf(inputs: Inputs): RapyutaPlan {
  const plan = rapyutaTarget.plan(inputs, basePlan(inputs));
  if (plan === undefined) throw new Error('rapyuta target not enabled');
  // Short backoff keeps the retry tests fast; one more attempt than the default shows three faults in a row.
  return { ...(plan as RapyutaPlan), retry: { attempts: 4, baseMs: 5, maxMs: 20 } };
}

interface Run {
  outcome: TargetOutcome;
  rows: { name: string; registry: string; action: string; message: string }[];
  visible: string;
}

async function run(inputs: Inputs, plan: RapyutaPlan = planOf(inputs)): Promise<Run> {
  const base = basePlan(inputs);
  // As the action does: credentials registered when read, the target's secrets before it runs.
  for (const c of base.credentials) registerCredential(c.username, c.password);
  for (const secret of rapyutaTarget.secrets?.(plan) ?? []) registerSecret(secret);
  const ctx = makeContext(base);
  const outcome =
    base.state === 'present' ? await rapyutaTarget.present(plan, ctx) : await rapyutaTarget.absent(plan, ctx);
  const rows = outcome.outputs?.rapyuta as Run['rows'];
  return { outcome, rows, visible: `${JSON.stringify(outcome)}\n${ctx.lines()}` };
}

const calls = () => fake.log.map((r) => `${r.method} ${r.path} ${r.status}`);

describe('rapyuta target: present', () => {
  it('creates a Docker Hub secret with every field the v2 API expects', async () => {
    const { rows, outcome } = await run(rio());

    expect(calls()).toEqual(['POST /v2/secrets/ 200']);
    const [request] = fake.log;
    expect(request!.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(request!.headers.organizationguid).toBe(fake.organization);
    expect(request!.headers.project).toBe(fake.project);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({
      apiVersion: 'api.rapyuta.io/v2',
      kind: 'Secret',
      metadata: { name: 'docker-pull' },
      spec: {
        type: 'Docker',
        docker: { registry: HUB, username: 'janedoe', password: PASSWORD, email: 'jane@example.com' },
      },
    });
    const stored = fake.stored('docker-pull');
    expect(stored?.spec).toEqual({
      type: 'Docker',
      docker: { registry: HUB, username: 'janedoe', password: PASSWORD, email: 'jane@example.com' },
    });
    const message = `docker secret for ${HUB} created`;
    expect(rows).toEqual([{ name: 'docker-pull', registry: HUB, action: 'created', message }]);
    expect(outcome.results).toEqual([
      { target: 'rapyuta', subject: 'docker-pull', action: 'created', message },
    ]);
  });

  it('accepts 201 as well as 200 for a create', async () => {
    const other = new FakeRapyuta({ createStatus: 201 });
    await other.start();
    try {
      const { rows } = await run(rio({ rapyutaApiUrl: other.url, rapyutaToken: other.token }));
      expect(rows.map((r) => r.action)).toEqual(['created']);
      expect(other.stored('docker-pull')).toMatchObject({
        metadata: { name: 'docker-pull' },
        spec: { type: 'Docker' },
      });
    } finally {
      await other.stop();
    }
  });

  it.each([
    ['docker.io', HUB],
    ['index.docker.io', HUB],
    ['registry-1.docker.io', HUB],
    ['https://index.docker.io/v1/', HUB],
    ['ghcr.io', 'https://ghcr.io'],
    ['registry.example.com:5000', 'https://registry.example.com:5000'],
    ['https://registry.example.com/some/path', 'https://registry.example.com'],
    ['http://10.0.0.5:5000', 'http://10.0.0.5:5000'],
  ])('sends registry %s as %s', async (registry, expected) => {
    const { rows } = await run(rio({ registry }));
    expect(fake.stored('docker-pull')?.spec).toMatchObject({ docker: { registry: expected } });
    expect(rows[0]).toMatchObject({ registry: expected, action: 'created' });
  });

  it('updates an existing docker secret with PUT after a 409 (the password cannot be compared)', async () => {
    await run(rio({ password: 'old-password-1' }));
    fake.log.length = 0;

    const { rows } = await run(rio());

    expect(calls()).toEqual([
      'POST /v2/secrets/ 409',
      'GET /v2/secrets/docker-pull/ 200',
      'PUT /v2/secrets/docker-pull/ 200',
    ]);
    expect(fake.log[1]!.text).toBe('');
    expect(fake.log[2]!.body).toEqual(fake.log[0]!.body);
    expect(fake.stored('docker-pull')?.spec).toMatchObject({ docker: { password: PASSWORD } });
    expect(rows).toEqual([
      {
        name: 'docker-pull',
        registry: HUB,
        action: 'updated',
        message: `docker secret for ${HUB} updated (rewritten: rapyuta.io never returns the stored password to compare)`,
      },
    ]);
  });

  it('creates again when the secret vanished between the 409 and the read', async () => {
    fake.fail({ status: 409, method: 'POST', body: '{"error":"secret docker-pull already exists"}' });
    const { rows } = await run(rio());
    expect(calls()).toEqual([
      'POST /v2/secrets/ 409',
      'GET /v2/secrets/docker-pull/ 404',
      'POST /v2/secrets/ 200',
    ]);
    expect(rows[0]).toMatchObject({ action: 'created' });
  });

  it('never overwrites a non-docker secret that holds the name', async () => {
    fake.seed({ name: 'docker-pull', spec: { type: 'Opaque', data: { token: 'keep-me' } } });

    const { rows } = await run(rio());

    expect(calls()).toEqual(['POST /v2/secrets/ 409', 'GET /v2/secrets/docker-pull/ 200']);
    expect(rows[0]).toMatchObject({ action: 'failed' });
    expect(rows[0]!.message).toMatch(/Opaque secret named 'docker-pull' already exists.*rapyuta-secret-name/);
    expect(fake.stored('docker-pull')?.spec).toEqual({ type: 'Opaque', data: { token: 'keep-me' } });
  });

  it('creates one secret per registry, named <name>-<n> in credential order', async () => {
    const { rows } = await run(rio({ registries: twoRegistries }));

    expect(fake.names()).toEqual(['docker-pull-1', 'docker-pull-2', 'docker-pull-3']);
    expect(rows.map((r) => [r.name, r.registry, r.action])).toEqual([
      ['docker-pull-1', HUB, 'created'],
      ['docker-pull-2', 'https://ghcr.io', 'created'],
      ['docker-pull-3', 'https://registry.example.com:5000', 'created'],
    ]);
    expect(fake.stored('docker-pull-2')?.spec).toEqual({
      type: 'Docker',
      docker: {
        registry: 'https://ghcr.io',
        username: 'octo',
        password: 'ghcr-t0ken-AAA',
        email: 'octo@example.com',
      },
    });
    expect(fake.stored('docker-pull-3')?.spec).toMatchObject({
      docker: { username: 'robot', password: 'priv-pa55-BBB', email: 'robot@example.com' },
    });
  });

  it('uses rapyuta-secret-names one per registry when given', async () => {
    const { rows } = await run(
      rio({
        username: '',
        password: '',
        registries: twoRegistries,
        rapyutaSecretName: '',
        rapyutaSecretNames: ['ghcr-pull', 'private-pull'],
      }),
    );
    expect(rows.map((r) => [r.name, r.registry])).toEqual([
      ['ghcr-pull', 'https://ghcr.io'],
      ['private-pull', 'https://registry.example.com:5000'],
    ]);
    expect(fake.names()).toEqual(['ghcr-pull', 'private-pull']);
  });

  it('retries 5xx and 429 and then succeeds', async () => {
    fake.fail({ status: 503, method: 'POST', times: 2 });
    fake.fail({ status: 429, method: 'POST', retryAfter: '0' });

    const { rows, visible } = await run(rio());

    expect(calls()).toEqual([
      'POST /v2/secrets/ 503',
      'POST /v2/secrets/ 503',
      'POST /v2/secrets/ 429',
      'POST /v2/secrets/ 200',
    ]);
    expect(rows[0]).toMatchObject({ action: 'created' });
    expect(visible).toContain('attempt 4 of 4');
  });

  it('reports a persistent 5xx as failed while the other secrets still go through', async () => {
    fake.fail({
      status: 500,
      secret: 'docker-pull-2',
      times: Infinity,
      body: '{"error":"etcd unavailable"}',
    });

    const { rows } = await run(rio({ registries: twoRegistries }));

    expect(fake.log.filter((r) => r.status === 500)).toHaveLength(4);
    expect(rows.map((r) => [r.name, r.action])).toEqual([
      ['docker-pull-1', 'created'],
      ['docker-pull-2', 'failed'],
      ['docker-pull-3', 'created'],
    ]);
    expect(rows[1]!.message).toBe('rapyuta.io answered 500 to POST /v2/secrets/: etcd unavailable');
    expect(rows[1]!.registry).toBe('https://ghcr.io');
  });

  it('surfaces raw text when the error body is not JSON, shortened', async () => {
    fake.fail({
      status: 502,
      times: Infinity,
      body: `<html><body>Bad Gateway ${'x'.repeat(400)}</body></html>`,
    });
    const { rows } = await run(rio());
    expect(rows[0]!.action).toBe('failed');
    expect(rows[0]!.message).toMatch(
      /^rapyuta\.io answered 502 to POST \/v2\/secrets\/: <html><body>Bad Gateway x+…$/,
    );
    expect(rows[0]!.message.length).toBeLessThan(400);
  });

  it.each([
    [
      'a wrong token',
      { rapyutaToken: 'rio-token-wrong-value' },
      401,
      /invalid or expired token: check the rapyuta-token input/,
    ],
    [
      'a foreign project',
      { rapyutaProject: 'project-someoneelses' },
      403,
      /does not have access to project project-someoneelses: check rapyuta-organization and rapyuta-project/,
    ],
    [
      'a foreign organization',
      { rapyutaOrganization: 'org-someoneelses' },
      403,
      /not a member of organization org-someoneelses: check rapyuta-organization and rapyuta-project/,
    ],
  ])('names the input to check on %s (%i)', async (_, overrides, status, message) => {
    const { rows, visible } = await run(rio({ registries: twoRegistries, ...overrides }));
    expect(rows.every((r) => r.action === 'failed')).toBe(true);
    expect(rows[0]!.message).toContain(`answered ${status} to POST /v2/secrets/`);
    expect(rows[0]!.message).toMatch(message);
    // Not retried: one request per secret.
    expect(fake.log).toHaveLength(3);
    expect(visible).not.toContain('rio-token-wrong-value');
  });

  it('keeps secrets out of results, outputs and logs even when the API echoes them', async () => {
    fake.fail({
      status: 400,
      times: Infinity,
      body: JSON.stringify({ error: `bad request for token ${fake.token} and password ${PASSWORD}` }),
    });
    const { rows, visible } = await run(rio());
    expect(rows[0]!.message).toBe(
      'rapyuta.io answered 400 to POST /v2/secrets/: bad request for token *** and password ***',
    );
    for (const secret of [fake.token, PASSWORD, 'ghcr-t0ken-AAA']) expect(visible).not.toContain(secret);
    expect(rapyutaTarget.secrets?.(planOf(rio()))).toEqual([fake.token]);
  });

  it('reports an unreachable API as failed at once: a refused connection is not transient', async () => {
    const plan = { ...planOf(rio()), apiUrl: 'http://127.0.0.1:1' };
    const { rows, visible } = await run(rio(), plan);
    expect(rows[0]!.action).toBe('failed');
    expect(rows[0]!.message).toBe(
      'rapyuta.io POST /v2/secrets/ failed: could not reach rapyuta.io 127.0.0.1:1 (ECONNREFUSED): check the address and the network',
    );
    expect(visible).not.toContain('Retrying');
  });
});

describe('rapyuta target: absent', () => {
  it('deletes an existing docker secret, and reports a missing one as absent', async () => {
    await run(rio());
    fake.log.length = 0;

    const first = await run(rio({ state: 'absent' }));
    expect(calls()).toEqual(['GET /v2/secrets/docker-pull/ 200', 'DELETE /v2/secrets/docker-pull/ 200']);
    expect(first.rows).toEqual([
      { name: 'docker-pull', registry: HUB, action: 'deleted', message: `docker secret for ${HUB} deleted` },
    ]);
    expect(fake.names()).toEqual([]);

    const again = await run(rio({ state: 'absent' }));
    expect(again.rows[0]).toMatchObject({
      action: 'absent',
      message: 'no secret named docker-pull in the project',
    });
  });

  it('deletes <name>-<n> when the credentials are given, as present created them', async () => {
    await run(rio({ registries: twoRegistries }));
    const { rows } = await run(rio({ registries: twoRegistries, state: 'absent' }));
    expect(rows.map((r) => [r.name, r.action])).toEqual([
      ['docker-pull-1', 'deleted'],
      ['docker-pull-2', 'deleted'],
      ['docker-pull-3', 'deleted'],
    ]);
    expect(fake.names()).toEqual([]);
  });

  it('without credentials deletes <name> alone, or every listed name', async () => {
    await run(rio({ registries: twoRegistries }));
    fake.seed({
      name: 'docker-pull',
      spec: { type: 'Docker', docker: { registry: HUB, username: 'u', password: 'p1234', email: 'e@x.io' } },
    });
    const bare = { state: 'absent', username: '', password: '', email: '' };

    const single = await run(rio(bare));
    expect(single.rows).toEqual([
      { name: 'docker-pull', registry: '', action: 'deleted', message: 'docker secret deleted' },
    ]);
    expect(fake.names()).toEqual(['docker-pull-1', 'docker-pull-2', 'docker-pull-3']);

    const listed = await run(
      rio({
        ...bare,
        rapyutaSecretName: '',
        rapyutaSecretNames: ['docker-pull-1', 'docker-pull-3', 'never-made'],
      }),
    );
    expect(listed.rows.map((r) => [r.name, r.action])).toEqual([
      ['docker-pull-1', 'deleted'],
      ['docker-pull-3', 'deleted'],
      ['never-made', 'absent'],
    ]);
    expect(fake.names()).toEqual(['docker-pull-2']);
  });

  it('leaves a non-docker secret of that name alone', async () => {
    fake.seed({ name: 'docker-pull', spec: { type: 'Opaque', data: { k: 'v' } } });
    const { rows } = await run(rio({ state: 'absent' }));
    expect(rows[0]).toMatchObject({ action: 'failed' });
    expect(rows[0]!.message).toMatch(/Opaque secret, not a docker secret: not deleting it/);
    expect(calls()).toEqual(['GET /v2/secrets/docker-pull/ 200']);
  });

  it('names rapyuta-token when a deletion is refused with 401', async () => {
    const { rows } = await run(rio({ state: 'absent', rapyutaToken: 'rio-token-wrong-value' }));
    expect(rows[0]!.message).toMatch(
      /answered 401 to GET \/v2\/secrets\/docker-pull\/: .*check the rapyuta-token input/,
    );
  });
});

describe('rapyuta target: inputs', () => {
  it('is disabled without a token', () => {
    const inputs = makeInputs({ username: 'u', password: 'p' });
    expect(rapyutaTarget.plan(inputs, basePlan(inputs))).toBeUndefined();
  });

  it.each([
    ['https://api.rapyuta.io', 'https://api.rapyuta.io'],
    ['https://api.rapyuta.io/', 'https://api.rapyuta.io'],
    ['https://gw.example.com/rio/', 'https://gw.example.com/rio'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('accepts API URL %s as %s', (url, expected) => {
    expect(planOf(rio({ rapyutaApiUrl: url })).apiUrl).toBe(expected);
  });

  const long = 'a'.repeat(252);
  it.each<[string, Partial<Inputs>, string, RegExp]>([
    ['token with Bearer prefix', { rapyutaToken: 'Bearer abc.def' }, 'rapyuta-token', /without 'Bearer '/],
    ['missing organization', { rapyutaOrganization: '' }, 'rapyuta-organization', /required/],
    ['missing project', { rapyutaProject: ' ' }, 'rapyuta-project', /required/],
    [
      'organization with a space',
      { rapyutaOrganization: 'my org' },
      'rapyuta-organization',
      /'my org' is not a rapyuta\.io GUID/,
    ],
    ['missing secret name', { rapyutaSecretName: '' }, 'rapyuta-secret-name', /required/],
    ['name too short', { rapyutaSecretName: 'ab' }, 'rapyuta-secret-name', /3-253/],
    [
      'name too long',
      { rapyutaSecretName: 'a'.repeat(254) },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'upper-case name',
      { rapyutaSecretName: 'Docker-Pull' },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'name starting with -',
      { rapyutaSecretName: '-pull' },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'name ending with -',
      { rapyutaSecretName: 'pull-' },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'underscore in name',
      { rapyutaSecretName: 'docker_pull' },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'dot in name',
      { rapyutaSecretName: 'docker.pull' },
      'rapyuta-secret-name',
      /is not a valid rapyuta\.io secret name/,
    ],
    [
      'derived name too long',
      { rapyutaSecretName: long, registries: twoRegistries },
      'rapyuta-secret-name',
      /derived as <name>-<n>/,
    ],
    [
      'names count mismatch',
      { rapyutaSecretName: '', rapyutaSecretNames: ['one-pull', 'two-pull'] },
      'rapyuta-secret-names',
      /2 name\(s\) for 1 registry/,
    ],
    [
      'duplicate names',
      {
        rapyutaSecretName: '',
        registries: twoRegistries,
        rapyutaSecretNames: ['a-pull', 'b-pull', 'a-pull'],
      },
      'rapyuta-secret-names',
      /listed twice/,
    ],
    [
      'invalid listed name',
      { rapyutaSecretName: '', rapyutaSecretNames: ['Bad_Name'] },
      'rapyuta-secret-names',
      /not a valid rapyuta\.io secret name/,
    ],
    ['name and names both', { rapyutaSecretNames: ['one-pull'] }, 'rapyuta-secret-names', /not both/],
    ['missing email', { email: '' }, 'email', /required by rapyuta\.io.*index\.docker\.io/],
    [
      'missing email in registries',
      { registries: twoRegistries.replace('  email: robot@example.com\n', '') },
      'registries[].email',
      /registry registry\.example\.com:5000/,
    ],
    ['plain http API', { rapyutaApiUrl: 'http://api.rapyuta.io' }, 'rapyuta-api-url', /https/],
    ['http to a LAN host', { rapyutaApiUrl: 'http://10.1.2.3:8080' }, 'rapyuta-api-url', /https/],
    ['ftp API', { rapyutaApiUrl: 'ftp://api.rapyuta.io' }, 'rapyuta-api-url', /must be an https:\/\/ URL/],
    ['not a URL', { rapyutaApiUrl: 'api.rapyuta.io' }, 'rapyuta-api-url', /not a URL/],
    ['URL with credentials', { rapyutaApiUrl: 'https://u:p@api.rapyuta.io' }, 'rapyuta-api-url', /user info/],
    [
      'names count mismatch on absent with credentials',
      { state: 'absent', rapyutaSecretName: '', rapyutaSecretNames: ['a-pull', 'b-pull'] },
      'rapyuta-secret-names',
      /lists 2 name\(s\) for 1 registry/,
    ],
  ])('rejects %s before any request', (_, overrides, input, message) => {
    const inputs = rio(overrides);
    let thrown: unknown;
    try {
      rapyutaTarget.plan(inputs, basePlan(inputs));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const error = thrown as InputError;
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message);
    for (const secret of [fake.token, PASSWORD, 'abc.def']) expect(error.message).not.toContain(secret);
    expect(fake.log).toHaveLength(0);
  });

  it('does not require e-mails for a deletion', () => {
    const inputs = rio({ state: 'absent', email: '' });
    expect(planOf(inputs).secrets).toEqual([expect.objectContaining({ name: 'docker-pull', registry: HUB })]);
  });
});

describe('fake rapyuta.io: the v2 contract it holds the client to', () => {
  const docker = { registry: HUB, username: 'u', password: 'fake-pass-1', email: 'e@x.io' };
  const body = (name: string, spec: unknown = { type: 'Docker', docker }) =>
    JSON.stringify({ apiVersion: 'api.rapyuta.io/v2', kind: 'Secret', metadata: { name }, spec });
  const good = () => ({
    authorization: `Bearer ${fake.token}`,
    organizationguid: fake.organization,
    project: fake.project,
    'content-type': 'application/json',
  });
  async function call(method: string, path: string, headers: Record<string, string>, text?: string) {
    const response = await fetch(`${fake.url}${path}`, { method, headers, ...(text ? { body: text } : {}) });
    return { status: response.status, text: await response.text() };
  }

  it.each<[string, string, string, Record<string, string | undefined>, string | undefined, number, RegExp]>([
    [
      'no Authorization',
      'POST',
      '/v2/secrets/',
      { authorization: undefined },
      body('abc'),
      401,
      /"error":"Authorization/,
    ],
    [
      'a Basic Authorization',
      'GET',
      '/v2/secrets/',
      { authorization: 'Basic dTpw' },
      undefined,
      401,
      /Bearer/,
    ],
    [
      'no organizationguid',
      'GET',
      '/v2/secrets/',
      { organizationguid: undefined },
      undefined,
      400,
      /organizationguid/,
    ],
    ['no project', 'GET', '/v2/secrets/', { project: undefined }, undefined, 400, /project header/],
    ['a foreign project', 'GET', '/v2/secrets/', { project: 'project-x' }, undefined, 403, /project-x/],
    ['malformed JSON', 'POST', '/v2/secrets/', {}, '{', 400, /not valid JSON/],
    [
      'no content type',
      'POST',
      '/v2/secrets/',
      { 'content-type': undefined },
      body('abc'),
      415,
      /Content-Type/,
    ],
    ['a bad name', 'POST', '/v2/secrets/', {}, body('Ab'), 422, /metadata.name 'Ab' is invalid/],
    ['a wrong type', 'POST', '/v2/secrets/', {}, body('abc', { type: 'Docker2' }), 422, /spec.type/],
    ['no docker spec', 'POST', '/v2/secrets/', {}, body('abc', { type: 'Docker' }), 422, /spec.docker/],
    [
      'no email',
      'POST',
      '/v2/secrets/',
      {},
      body('abc', { type: 'Docker', docker: { ...docker, email: '' } }),
      422,
      /spec.docker.email is required/,
    ],
    ['PUT on an unknown name', 'PUT', '/v2/secrets/abc/', {}, body('abc'), 404, /not found/],
    ['DELETE on an unknown name', 'DELETE', '/v2/secrets/abc/', {}, undefined, 404, /not found/],
    ['a path without its trailing slash', 'GET', '/v2/secrets/abc', {}, undefined, 404, /404 page not found/],
  ])('refuses %s', async (_, method, path, changes, text, status, message) => {
    const headers = Object.fromEntries(
      Object.entries({ ...good(), ...changes }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const response = await call(method, path, headers, text);
    expect(response.status).toBe(status);
    expect(response.text).toMatch(message);
    expect(fake.names()).toEqual([]);
  });

  it('answers 409 to a second POST and never returns the password on reads', async () => {
    expect((await call('POST', '/v2/secrets/', good(), body('abc'))).status).toBe(200);
    const duplicate = await call('POST', '/v2/secrets/', good(), body('abc'));
    expect(duplicate.status).toBe(409);
    expect(JSON.parse(duplicate.text)).toEqual({ error: 'secret abc already exists' });
    for (const path of ['/v2/secrets/abc/', '/v2/secrets/']) {
      const read = await call('GET', path, good());
      expect(read.status).toBe(200);
      expect(read.text).not.toContain('fake-pass-1');
      expect(read.text).toContain('"secretKeys"');
    }
    expect(fake.stored('abc')?.spec).toEqual({ type: 'Docker', docker });
  });
});
