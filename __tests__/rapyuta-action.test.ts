/**
 * Review of the rapyuta.io target through the built action (ACTION_MAIN or dist/main.js) against
 * the v2 fake: several registries, Docker Hub, API refusals, deletion without credentials, leaks
 * with RUNNER_DEBUG=1, and a failed verification (a real registry, wrong password) that must leave
 * rapyuta.io and Kubernetes untouched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorLines, runAction, type ActionRun } from './support/action.js';
import { FakeKube } from './support/fake-kube.js';
import { FakeRapyuta } from './support/fake-rapyuta.js';
import { startRegistry, type TestRegistry } from './support/registry.js';

const HUB = 'https://index.docker.io/v1/';
const PASSWORD = 'rio-Hub-Pw-4411';
const QUAY_PASSWORD = 'rio-Quay-Pw-5522';

let rio: FakeRapyuta;
beforeAll(async () => {
  rio = new FakeRapyuta();
  await rio.start();
});
afterAll(async () => {
  await rio.stop();
});
beforeEach(() => {
  rio.reset();
});

const target = () => ({
  'rapyuta-token': rio.token,
  'rapyuta-organization': rio.organization,
  'rapyuta-project': rio.project,
  'rapyuta-api-url': rio.url,
  verify: 'off',
});
const hub = { username: 'janedoe', password: PASSWORD, email: 'jane@example.com' };
const several = `
- registry: quay.io
  username: robot+ci
  password: ${QUAY_PASSWORD}
  email: robot@example.com
- registry: https://registry.example.com:5000/v2/
  username: deployer
  password: "with: colon and space"
  email: ops@example.com
`;

interface Row {
  name: string;
  registry: string;
  action: string;
  message: string;
}
const rows = (run: ActionRun): Row[] => JSON.parse(run.outputs.rapyuta ?? '[]') as Row[];
const calls = () => rio.log.map((r) => `${r.method} ${r.path} ${r.status}`);

describe('present', () => {
  it('one secret per registry, <name>-<n> in order, every field as the v2 API wants it', async () => {
    const run = await runAction(
      { ...target(), ...hub, registries: several, 'rapyuta-secret-name': 'ci-pull' },
      { env: { RUNNER_DEBUG: '1' } },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(run.main.code).toBe(0);
    expect(rows(run)).toEqual([
      { name: 'ci-pull-1', registry: HUB, action: 'created', message: `docker secret for ${HUB} created` },
      {
        name: 'ci-pull-2',
        registry: 'https://quay.io',
        action: 'created',
        message: 'docker secret for https://quay.io created',
      },
      {
        name: 'ci-pull-3',
        registry: 'https://registry.example.com:5000',
        action: 'created',
        message: 'docker secret for https://registry.example.com:5000 created',
      },
    ]);
    expect(rio.stored('ci-pull-1')!.spec).toEqual({ type: 'Docker', docker: { registry: HUB, ...hub } });
    expect(rio.stored('ci-pull-2')!.spec).toEqual({
      type: 'Docker',
      docker: {
        registry: 'https://quay.io',
        username: 'robot+ci',
        password: QUAY_PASSWORD,
        email: 'robot@example.com',
      },
    });
    expect(rio.stored('ci-pull-3')!.spec).toMatchObject({
      docker: { password: 'with: colon and space', username: 'deployer' },
    });
    for (const request of rio.log) {
      expect(request.headers.authorization).toBe(`Bearer ${rio.token}`);
      expect(request.headers.organizationguid).toBe(rio.organization);
      expect(request.headers.project).toBe(rio.project);
    }
    // Summary: one row per secret, saying what happened.
    expect(run.summary).toContain(
      `<td>rapyuta</td><td><code>ci-pull-2</code></td><td>✅ created</td><td>docker secret for https://quay.io created</td>`,
    );
    for (const secret of [rio.token, PASSWORD, QUAY_PASSWORD, 'with: colon and space']) {
      expect(run.shown).not.toContain(secret);
    }
    expect(run.main.stdout).toContain(`::add-mask::${rio.token}`);

    // A second run rewrites (rapyuta.io never returns the password to compare): 409 → GET → PUT.
    rio.log.length = 0;
    const again = await runAction({ ...target(), ...hub, 'rapyuta-secret-name': 'ci-pull-1' });
    expect(calls()).toEqual([
      'POST /v2/secrets/ 409',
      'GET /v2/secrets/ci-pull-1/ 200',
      'PUT /v2/secrets/ci-pull-1/ 200',
    ]);
    expect(rows(again)[0]).toMatchObject({ action: 'updated' });
  });

  it.each([
    [
      'the email input',
      { ...hub, email: '' },
      "Input 'email': is required by rapyuta.io docker secrets (registry https://index.docker.io/v1/)",
    ],
    [
      'a registries entry (the email input does not apply to it)',
      {
        registries: '- registry: quay.io\n  username: robot\n  password: x1234567\n',
        email: 'jane@example.com',
      },
      "Input 'registries[].email': is required by rapyuta.io docker secrets (registry quay.io); the email input applies to the username/password registry only, give each registries entry its email",
    ],
  ])('a missing email in %s is one InputError before any request', async (_, inputs, message) => {
    const run = await runAction({ ...target(), 'rapyuta-secret-name': 'ci-pull', ...inputs });
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)).toEqual([message]);
    expect(rio.log).toEqual([]);
  });

  it.each([
    [
      401,
      { 'rapyuta-token': 'expired-token-9999' },
      /: invalid or expired token: check the rapyuta-token input/,
    ],
    [
      403,
      { 'rapyuta-project': 'project-someone-else' },
      /: user does not have access to project project-someone-else: check rapyuta-organization and rapyuta-project/,
    ],
  ])('%i names the input to check, and fails the step', async (status, inputs, message) => {
    const run = await runAction({ ...target(), ...hub, 'rapyuta-secret-name': 'ci-pull', ...inputs });
    expect(run.main.code).toBe(1);
    expect(rows(run)).toEqual([
      { name: 'ci-pull', registry: HUB, action: 'failed', message: expect.stringMatching(message) as string },
    ]);
    expect(rows(run)[0]!.message).toMatch(
      new RegExp(`^rapyuta\\.io answered ${status} to POST /v2/secrets/`),
    );
    expect(run.main.stdout).toContain('::error title=rapyuta ci-pull%3A failed::');
    expect(run.shown).not.toContain('expired-token-9999');
  });

  it('422 surfaces the API error text; 429 is retried; one failure leaves the others written', async () => {
    rio.fail({ status: 429, method: 'POST', secret: 'ci-pull-1', retryAfter: '0' });
    rio.fail({
      status: 422,
      method: 'POST',
      secret: 'ci-pull-2',
      body: '{"error":"spec.docker.registry: not a URL"}',
    });
    const run = await runAction({
      ...target(),
      ...hub,
      registries: several,
      'rapyuta-secret-name': 'ci-pull',
    });
    expect(run.main.code).toBe(1);
    expect(rows(run).map((r) => [r.name, r.action])).toEqual([
      ['ci-pull-1', 'created'],
      ['ci-pull-2', 'failed'],
      ['ci-pull-3', 'created'],
    ]);
    expect(rows(run)[1]!.message).toBe(
      'rapyuta.io answered 422 to POST /v2/secrets/: spec.docker.registry: not a URL',
    );
    expect(errorLines(run.main).at(-1)).toBe('1 target write(s) failed: rapyuta ci-pull-2');
  });
});

describe('absent', () => {
  it('deletes without any registry credentials, by name or by list', async () => {
    await runAction({ ...target(), ...hub, registries: several, 'rapyuta-secret-name': 'ci-pull' });
    expect(rio.names()).toEqual(['ci-pull-1', 'ci-pull-2', 'ci-pull-3']);
    const run = await runAction(
      { ...target(), state: 'absent', 'rapyuta-secret-names': 'ci-pull-1\nci-pull-2\nci-pull-3\nnever-made' },
      { env: { RUNNER_DEBUG: '1' } },
    );
    expect(errorLines(run.main)).toEqual([]);
    expect(rows(run)).toEqual([
      { name: 'ci-pull-1', registry: '', action: 'deleted', message: 'docker secret deleted' },
      { name: 'ci-pull-2', registry: '', action: 'deleted', message: 'docker secret deleted' },
      { name: 'ci-pull-3', registry: '', action: 'deleted', message: 'docker secret deleted' },
      {
        name: 'never-made',
        registry: '',
        action: 'absent',
        message: 'no secret named never-made in the project',
      },
    ]);
    expect(rio.names()).toEqual([]);
    expect(run.shown).not.toContain(rio.token);
  });
});

describe('a failing verification ships nothing', () => {
  let registry: TestRegistry;
  let kube: FakeKube;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: false, users: { deployer: 'right-Pw-8080' } });
    kube = await FakeKube.start({ namespaces: ['apps'] });
  });
  afterAll(async () => {
    await registry.stop();
    await kube.stop();
  });

  it('a wrong password with verify: fail makes no request to rapyuta.io or the cluster', async () => {
    const inputs = {
      ...target(),
      registry: registry.url,
      username: 'deployer',
      email: 'ops@example.com',
      'rapyuta-secret-name': 'ci-pull',
      kubeconfig: kube.kubeconfig([{ name: 'ci' }]),
      'kubernetes-namespaces': 'apps',
      verify: 'fail',
    };
    const wrong = await runAction({ ...inputs, password: 'wrong-Pw-1234' });
    expect(wrong.main.code).toBe(1);
    expect(rio.log).toEqual([]);
    expect(kube.requests).toEqual([]);
    expect(wrong.outputs.rapyuta).toBeUndefined();
    expect(wrong.outputs.kubernetes).toBeUndefined();
    expect(wrong.outputs.verified).toBe('false');

    // The right password goes through to both (so the fakes were reachable all along).
    const right = await runAction({ ...inputs, password: 'right-Pw-8080' });
    expect(errorLines(right.main)).toEqual([]);
    expect(rows(right).map((r) => r.action)).toEqual(['created']);
    expect(rio.stored('ci-pull')!.spec).toMatchObject({ docker: { registry: registry.url } });
    expect(kube.has('secrets', 'apps', 'regcred')).toBe(true);
  });
});
