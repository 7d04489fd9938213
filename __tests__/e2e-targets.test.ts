/**
 * The built action shipping to every target in one run, as a platform team would configure it:
 * a real token-auth registry to verify against, a real S3-compatible store, and the faithful fakes
 * of DC/OS and rapyuta.io; then `state: absent` removing it all. Verification failing with
 * `verify: fail` must leave every target untouched, and no run may leak a secret.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './support/action.js';
import { everyTargetInputs, startOrchestratorFakes } from './support/every-target.js';
import type { FakeDcos } from './support/fake-dcos.js';
import { FakeKube } from './support/fake-kube.js';
import type { FakeRapyuta } from './support/fake-rapyuta.js';
import { pushImage, startRegistry, type TestRegistry } from './support/registry.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const PASSWORD = 'e2e-Registry-Pw-42';
const DCOS_PASSWORD = 'dcos-Login-Pw-77';

let registry: TestRegistry;
let s3: TestS3;
let dcos: FakeDcos;
let rapyuta: FakeRapyuta;
let kube: FakeKube;
let image: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', tls: true, users: { deployer: PASSWORD } });
  await pushImage(registry, 'team/app:2.0');
  image = `${registry.host}/team/app:2.0`;
  s3 = await startS3(['mesos-config']);
  ({ dcos, rapyuta } = await startOrchestratorFakes(DCOS_PASSWORD));
  kube = await FakeKube.start({ namespaces: ['apps'] });
});

afterAll(async () => {
  await Promise.all([registry.stop(), s3.stop(), dcos.stop(), rapyuta.stop(), kube.stop()]);
});

const APP = {
  id: '/mesos-docker',
  container: { type: 'MESOS', docker: { image: 'IMAGE' } },
  args: ['hello'],
  cpus: 0.2,
  mem: 16,
  instances: 1,
};

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-e2e-'));
  fs.mkdirSync(path.join(dir, 'deploy'));
  fs.writeFileSync(
    path.join(dir, 'deploy/app.json'),
    `${JSON.stringify({ ...APP, container: { ...APP.container, docker: { image } } }, null, 2)}\n`,
  );
  return dir;
}

function inputs(password: string): Record<string, string> {
  return {
    registry: registry.host,
    username: 'deployer',
    password,
    email: 'deployer@example.com',
    images: image,
    'ca-cert': registry.ca!.caPem,
    'upload-to': 's3://mesos-config/ci/docker.tar.gz',
    ...everyTargetInputs({ s3, dcos, rapyuta }, DCOS_PASSWORD),
    kubeconfig: kube.kubeconfig([{ name: 'preview' }]),
    'kubernetes-namespaces': 'apps\npr-42',
    'kubernetes-create-namespace': 'true',
    'kubernetes-service-accounts': 'default',
  };
}

const env = { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, RUNNER_DEBUG: '1' };

function assertNoLeak(run: ActionRun, secrets: string[]): void {
  for (const secret of secrets) expect(run.shown).not.toContain(secret);
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed JSON.parse for assertions
const json = <T>(text: string | undefined): T => JSON.parse(text ?? 'null') as T;

describe('every target in one run', () => {
  const secrets = [
    PASSWORD,
    Buffer.from(`deployer:${PASSWORD}`).toString('base64'),
    DCOS_PASSWORD,
    'rio-token-s3cr3t-value',
  ];

  it('a failing verification ships nothing anywhere', async () => {
    const dir = workspace();
    const before = fs.readFileSync(path.join(dir, 'deploy/app.json'));
    const writes = () => ({
      s3: s3.requests.filter((r) => r.method === 'PUT').length,
      dcos: dcos.log.filter((r) => r.method !== 'GET' && !r.path.includes('/acs/')).length,
      rapyuta: rapyuta.log.filter((r) => r.method !== 'GET').length,
      kube: kube.requests.length,
    });
    const start = writes();
    const run = await runAction(inputs('wrong-password'), { env, workDir: dir });
    expect(run.main.code).toBe(1);
    expect(json<{ status: string }[]>(run.outputs['verification'])[0]!.status).toBe('unauthorized');
    expect(writes()).toEqual(start);
    expect(fs.readFileSync(path.join(dir, 'deploy/app.json')).equals(before)).toBe(true);
    for (const output of ['uploaded', 'dcos', 'rapyuta', 'marathon-definitions', 'kubernetes']) {
      expect(run.outputs[output]).toBeUndefined();
    }
    assertNoLeak(run, [...secrets, 'wrong-password']);
  });

  it('present ships everywhere; a second run changes nothing it can compare; absent removes it all', async () => {
    const dir = workspace();
    const run = await runAction(inputs(PASSWORD), { env, workDir: dir, skipPost: true });
    expect(run.main.code, run.main.stdout).toBe(0);
    assertNoLeak(run, secrets);

    expect(run.outputs['verified']).toBe('true');
    expect(json(run.outputs['uploaded'])).toEqual([
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'written' },
    ]);
    expect(json(run.outputs['fetch-uris'])).toEqual([`${s3.endpoint}/mesos-config/ci/docker.tar.gz`]);
    expect(json(run.outputs['dcos'])).toMatchObject({ path: 'mesos-docker/pullConfig', action: 'created' });
    expect(json(run.outputs['rapyuta'])).toMatchObject([{ name: 'team-pull', action: 'created' }]);
    expect(json(run.outputs['marathon-definitions'])).toEqual([path.join(dir, 'deploy/app.json')]);
    expect(json(run.outputs['kubernetes'])).toMatchObject([
      { context: 'preview', namespace: 'apps', secret: 'regcred', action: 'created' },
      { context: 'preview', namespace: 'pr-42', secret: 'regcred', action: 'created' },
    ]);
    const secret = kube.get('secrets', 'pr-42', 'regcred') as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(
      JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString()) as unknown,
    ).toEqual({
      auths: {
        [registry.host]: {
          username: 'deployer',
          password: PASSWORD,
          email: 'deployer@example.com',
          auth: Buffer.from(`deployer:${PASSWORD}`).toString('base64'),
        },
      },
    });
    expect(kube.get('serviceaccounts', 'apps', 'default')).toMatchObject({
      imagePullSecrets: [{ name: 'regcred' }],
    });

    // What DC/OS stores is exactly the config.json the action wrote; the app now points at it.
    const config = fs.readFileSync(run.outputs['docker-config']!, 'utf8');
    const stored = dcos.secrets.get('mesos-docker/pullConfig');
    expect(stored?.contentType).toBe('application/octet-stream');
    expect(stored?.body.toString()).toBe(config);
    const app = json<{ secrets: unknown; container: { docker: { pullConfig: unknown } } }>(
      fs.readFileSync(path.join(dir, 'deploy/app.json'), 'utf8'),
    );
    expect(app.secrets).toEqual({ pullConfigSecret: { source: '/mesos-docker/pullConfig' } });
    expect(app.container.docker.pullConfig).toEqual({ secret: 'pullConfigSecret' });
    expect(rapyuta.stored('team-pull')?.spec).toMatchObject({
      type: 'Docker',
      docker: {
        registry: `https://${registry.host}`,
        username: 'deployer',
        password: PASSWORD,
        email: 'deployer@example.com',
      },
    });
    await run.runPost();

    const again = await runAction(inputs(PASSWORD), { env, workDir: dir });
    expect(again.main.code).toBe(0);
    expect(json(again.outputs['uploaded'])).toEqual([
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'unchanged' },
    ]);
    expect(json(again.outputs['dcos'])).toMatchObject({ action: 'unchanged' });
    expect(json<{ action: string }[]>(again.outputs['kubernetes']).map((r) => r.action)).toEqual([
      'unchanged',
      'unchanged',
    ]);

    const absent = await runAction({ ...inputs(''), username: '', state: 'absent' }, { env, workDir: dir });
    expect(absent.main.code, absent.main.stdout).toBe(0);
    expect(json(absent.outputs['uploaded'])).toEqual([
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'deleted' },
    ]);
    expect(json(absent.outputs['dcos'])).toMatchObject({ action: 'deleted' });
    expect(json(absent.outputs['rapyuta'])).toMatchObject([{ name: 'team-pull', action: 'deleted' }]);
    expect(dcos.secrets.has('mesos-docker/pullConfig')).toBe(false);
    expect(rapyuta.stored('team-pull')).toBeUndefined();
    expect(json<{ action: string }[]>(absent.outputs['kubernetes']).map((r) => r.action)).toEqual([
      'deleted',
      'deleted',
    ]);
    expect(kube.has('secrets', 'apps', 'regcred')).toBe(false);
    expect(kube.get('serviceaccounts', 'apps', 'default')?.['imagePullSecrets'] ?? []).toEqual([]);
    const restored = json<Record<string, unknown>>(
      fs.readFileSync(path.join(dir, 'deploy/app.json'), 'utf8'),
    );
    expect(restored['secrets']).toBeUndefined();
    assertNoLeak(absent, secrets);
  });
});
