/**
 * `mode: plan` and `mode: audit` through the built action, against every target at once: a real
 * htpasswd registry, a file destination, s3rver, the GCS fake, the Artifactory-like HTTPS server,
 * and the Kubernetes, DC/OS and rapyuta.io fakes. A plan writes nothing (the fakes log no write,
 * files keep their bytes and mtimes) and predicts exactly what the following apply reports; an
 * audit finds the places still holding a rotated password, hand edits, missing and foreign secrets.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANNED_AS } from '../src/modes/classify.js';
import type { PlanAction } from '../src/targets/types.js';
import { errorLines, runAction, type ActionRun } from './support/action.js';
import { everyTargetInputs, startOrchestratorFakes } from './support/every-target.js';
import type { FakeDcos } from './support/fake-dcos.js';
import { ACCESS_TOKEN, startFakeGcs, type FakeGcs } from './support/fake-gcs.js';
import { FakeKube } from './support/fake-kube.js';
import type { FakeRapyuta } from './support/fake-rapyuta.js';
import {
  DEPLOY_TOKEN,
  SIGNATURE,
  startHttpsPutServer,
  type HttpsPutServer,
} from './support/https-put-server.js';
import { pushImage, startRegistry, type TestRegistry } from './support/registry.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const OLD_PASSWORD = 'modes-Old-Pw-4711';
const NEW_PASSWORD = 'modes-New-Pw-0815';
const DCOS_PASSWORD = 'dcos-Modes-Pw-31';

let registry: TestRegistry;
let s3: TestS3;
let gcs: FakeGcs;
let put: HttpsPutServer;
let dcos: FakeDcos;
let rapyuta: FakeRapyuta;
let kube: FakeKube;
let image: string;
let dir: string;

beforeAll(async () => {
  [registry, s3, gcs, put, kube] = await Promise.all([
    startRegistry({ auth: 'htpasswd', tls: true, users: { deployer: OLD_PASSWORD } }),
    startS3(['mesos-config']),
    startFakeGcs(),
    startHttpsPutServer(),
    FakeKube.start({ namespaces: ['apps', 'batch', 'fresh', 'legacy'] }),
  ]);
  gcs.buckets.set('ci-bucket', new Map());
  await pushImage(registry, 'team/app:2.0');
  image = `${registry.host}/team/app:2.0`;
  ({ dcos, rapyuta } = await startOrchestratorFakes(DCOS_PASSWORD));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-modes-'));
  fs.mkdirSync(path.join(dir, 'deploy'));
  fs.writeFileSync(
    path.join(dir, 'deploy/app.json'),
    `${JSON.stringify({ id: '/app', container: { type: 'MESOS', docker: { image } }, cpus: 0.1, mem: 32 }, null, 2)}\n`,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([
    registry.stop(),
    s3.stop(),
    gcs.stop(),
    put.stop(),
    dcos.stop(),
    rapyuta.stop(),
    kube.stop(),
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const shared = () => path.join(dir, 'shared/docker.tar.gz');

function inputs(password: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    registry: registry.host,
    username: 'deployer',
    password,
    email: 'deployer@example.com',
    images: image,
    'ca-cert': registry.ca!.caPem,
    'upload-to': [
      `file://${shared()}`,
      's3://mesos-config/ci/docker.tar.gz',
      'gs://ci-bucket/ci/docker.tar.gz',
      `${put.origin}/artifactory/mesos/docker.tar.gz`,
    ].join('\n'),
    'upload-headers': `Authorization: Bearer ${DEPLOY_TOKEN}`,
    ...everyTargetInputs({ s3, dcos, rapyuta }, DCOS_PASSWORD),
    kubeconfig: kube.kubeconfig([{ name: 'prod' }]),
    'kubernetes-namespaces': 'apps\nbatch\npr-7',
    'kubernetes-create-namespace': 'true',
    'kubernetes-service-accounts': 'default',
    ...extra,
  };
}

const env = () => ({
  AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
  NODE_EXTRA_CA_CERTS: put.ca.caFile,
  STORAGE_EMULATOR_HOST: gcs.base,
  GOOGLE_APPLICATION_CREDENTIALS: gcs.credentialsFile,
});

const run = (values: Record<string, string>) => runAction(values, { env: env(), workDir: dir });

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed JSON.parse for assertions
const json = <T>(text: string | undefined): T => JSON.parse(text ?? 'null') as T;

/** Every write any fake has seen; token exchanges and logins are not writes to a place. */
function writes() {
  return {
    s3: s3.requests.filter((r) => !['GET', 'HEAD'].includes(r.method)).length,
    gcs: gcs.requests.filter((r) => r.path.startsWith('/upload/') || r.method === 'DELETE').length,
    https: put.requests.filter((r) => !['GET', 'HEAD'].includes(r.method)).length,
    dcos: dcos.log.filter((r) => r.method !== 'GET' && !r.path.startsWith('/acs/')).length,
    rapyuta: rapyuta.log.filter((r) => r.method !== 'GET').length,
    kube: kube.requests.filter((r) => r.method !== 'GET').length,
  };
}

/** What the local files look like: bytes and mtime, or absent. */
function files() {
  return [shared(), path.join(dir, 'deploy/app.json')].map((file) =>
    fs.existsSync(file)
      ? { bytes: fs.readFileSync(file).toString('base64'), mtime: fs.statSync(file).mtimeMs }
      : null,
  );
}

/** Every place's action, by target and place, from the outputs (the shapes apply sets). */
function actions(result: ActionRun): Record<string, string> {
  const places: Record<string, string> = {};
  for (const u of json<{ uri: string; result: string }[]>(result.outputs['uploaded'])) {
    places[`upload ${u.uri}`] = u.result;
  }
  for (const k of json<{ context: string; namespace: string; action: string }[]>(
    result.outputs['kubernetes'],
  )) {
    places[`kubernetes ${k.context}/${k.namespace}`] = k.action;
  }
  places['dcos'] = json<{ action: string }>(result.outputs['dcos']).action;
  for (const r of json<{ name: string; action: string }[]>(result.outputs['rapyuta'])) {
    places[`rapyuta ${r.name}`] = r.action;
  }
  return places;
}

/** The plan's action of every place is one apply reports for the same place. */
function expectPredicted(plan: ActionRun, applied: ActionRun): void {
  const planned = actions(plan);
  const done = actions(applied);
  expect(Object.keys(planned).sort()).toEqual(Object.keys(done).sort());
  for (const [place, action] of Object.entries(planned)) {
    expect(PLANNED_AS[action as PlanAction], `${place}: planned ${action}, applied ${done[place]}`).toContain(
      done[place],
    );
  }
  expect(json(plan.outputs['marathon-definitions'])).toEqual(json(applied.outputs['marathon-definitions']));
}

function audit(result: ActionRun): Record<string, string> {
  return Object.fromEntries(
    json<{ target: string; place: string; status: string }[]>(result.outputs['audit']).map((e) => [
      `${e.target} ${e.place}`,
      e.status,
    ]),
  );
}

const pullSecretPlaces = () => [
  `upload file://${shared()}`,
  'upload s3://mesos-config/ci/docker.tar.gz',
  'upload gs://ci-bucket/ci/docker.tar.gz',
  `upload ${put.origin}/artifactory/mesos/docker.tar.gz`,
  'kubernetes prod/apps',
  'kubernetes prod/batch',
  'kubernetes prod/pr-7',
  `dcos ${dcos.url} mesos-docker/pullConfig`,
];

// The tests run in order and build on each other: what one applies, the next plans or audits.
describe('mode: plan and mode: audit over every target', () => {
  it('a plan whose verification fails reads no place and fails as apply would', async () => {
    const reads = () => [
      s3.requests.length,
      gcs.requests.length,
      put.requests.length,
      dcos.log.length,
      rapyuta.log.length,
      kube.requests.length,
    ];
    const before = { writes: writes(), files: files(), reads: reads() };
    const plan = await run(inputs('wrong-password-1', { mode: 'plan' }));
    expect(plan.main.code).toBe(1);
    expect(reads()).toEqual(before.reads);
    expect(writes()).toEqual(before.writes);
    expect(files()).toEqual(before.files);
    expect(json<{ status: string }[]>(plan.outputs['verification'])[0]!.status).toBe('unauthorized');
    for (const output of ['uploaded', 'kubernetes', 'dcos', 'rapyuta', 'marathon-definitions']) {
      expect(plan.outputs[output]).toBeUndefined();
    }
    expect(plan.outputs['changes']).toBe('0');
    expect(errorLines(plan.main).join('\n')).toContain('nothing was shipped');
  });

  it('a plan writes nothing anywhere and predicts exactly what the following apply does', async () => {
    const before = { writes: writes(), files: files() };
    const plan = await run(inputs(OLD_PASSWORD, { mode: 'plan', 'export-docker-config': 'true' }));
    expect(plan.main.code, plan.main.stdout).toBe(0);
    expect(writes()).toEqual(before.writes);
    expect(files()).toEqual(before.files);
    expect(kube.has('namespaces', undefined, 'pr-7')).toBe(false);
    expect(plan.env['DOCKER_CONFIG']).toBeUndefined();
    expect(actions(plan)).toEqual({
      [`upload file://${shared()}`]: 'would-create',
      'upload s3://mesos-config/ci/docker.tar.gz': 'would-create',
      'upload gs://ci-bucket/ci/docker.tar.gz': 'would-create',
      [`upload ${put.origin}/artifactory/mesos/docker.tar.gz`]: 'would-create',
      'kubernetes prod/apps': 'would-create',
      'kubernetes prod/batch': 'would-create',
      'kubernetes prod/pr-7': 'would-create',
      dcos: 'would-create',
      'rapyuta team-pull': 'would-create',
    });
    expect(plan.outputs['changes']).toBe('10'); // nine places and the Marathon definition
    expect(plan.summary).toContain('pull-credentials plan (present)');
    expect(plan.summary).toContain('Plan: 10 changes');
    expect(plan.summary).toContain('+ namespace pr-7');
    // The Marathon definition's JSON diff, and the archive's new sha256.
    expect(plan.summary).toContain('+ /secrets: {&#34;pullConfigSecret&#34;');
    expect(plan.summary).toContain(
      `+ archive sha256 ${plan.outputs['tarball-sha256']} with ${registry.host}`,
    );
    expect(plan.shown).not.toContain(OLD_PASSWORD);

    const applied = await run(inputs(OLD_PASSWORD));
    expect(applied.main.code, applied.main.stdout).toBe(0);
    expectPredicted(plan, applied);
    expect(applied.outputs['changes']).toBe('10');

    // Everything in place: a new plan expects no change but rapyuta.io's (its password cannot be read back).
    const mark = { writes: writes(), files: files() };
    const second = await run(inputs(OLD_PASSWORD, { mode: 'plan' }));
    expect(second.main.code, second.main.stdout).toBe(0);
    expect(writes()).toEqual(mark.writes);
    expect(files()).toEqual(mark.files);
    expect(Object.entries(actions(second)).filter(([, a]) => a !== 'unchanged')).toEqual([
      ['rapyuta team-pull', 'would-update'],
    ]);
    expect(second.outputs['changes']).toBe('1');
    const again = await run(inputs(OLD_PASSWORD));
    expect(again.main.code, again.main.stdout).toBe(0);
    expectPredicted(second, again);
  });

  it('an audit after a password rotation finds every place still holding the old one broken', async () => {
    const healthy = await run(inputs(OLD_PASSWORD, { mode: 'audit' }));
    expect(healthy.main.code, healthy.main.stdout).toBe(0);
    const found = audit(healthy);
    for (const place of pullSecretPlaces()) expect(found[place], place).toBe('ok');
    expect(found['rapyuta team-pull']).toBe('unknown');
    expect(found['marathon deploy/app.json']).toBe('ok');
    expect(healthy.summary).toContain('pull-credentials audit (present)');
    expect(healthy.summary).toContain('never returns the stored password');

    await registry.setPassword('deployer', NEW_PASSWORD);
    const before = { writes: writes(), files: files() };
    // The workflow's secret now holds the new password; the places still hold the old one.
    const rotated = await run(inputs(NEW_PASSWORD, { mode: 'audit' }));
    expect(rotated.main.code).toBe(1);
    expect(writes()).toEqual(before.writes);
    expect(files()).toEqual(before.files);
    const broken = audit(rotated);
    for (const place of pullSecretPlaces()) expect(broken[place], place).toBe('broken');
    expect(broken['rapyuta team-pull']).toBe('unknown');
    const entry = json<
      { place: string; message: string; verification: { image: string; status: string }[] }[]
    >(rotated.outputs['audit']).find((e) => e.place === 'prod/apps')!;
    expect(entry.verification).toEqual([{ image, status: 'unauthorized' }]);
    expect(entry.message).toContain(`${image} unauthorized`);
    expect(errorLines(rotated.main).join('\n')).toContain('audit found');
    // The old password was never an input of this run: it was masked when read from the places.
    for (const secret of [OLD_PASSWORD, Buffer.from(`deployer:${OLD_PASSWORD}`).toString('base64')]) {
      expect(rotated.visible).toContain(`::add-mask::${secret}`);
      expect(rotated.shown).not.toContain(secret);
    }
    expect(rotated.shown).not.toContain(NEW_PASSWORD);

    const warned = await run(inputs(NEW_PASSWORD, { mode: 'audit', verify: 'warn' }));
    expect(warned.main.code).toBe(0);
    expect(audit(warned)['kubernetes prod/apps']).toBe('broken');

    const reapplied = await run(inputs(NEW_PASSWORD));
    expect(reapplied.main.code, reapplied.main.stdout).toBe(0);
    const repaired = await run(inputs(NEW_PASSWORD, { mode: 'audit' }));
    expect(repaired.main.code, repaired.main.stdout).toBe(0);
    for (const place of pullSecretPlaces()) expect(audit(repaired)[place], place).toBe('ok');
  });

  it('an audit reports a hand-edited secret stale, a missing one missing and a foreign one foreign', async () => {
    // Someone edits the managed secret in batch by hand: same password, another e-mail.
    const secret = kube.get('secrets', 'batch', 'regcred') as { metadata: Record<string, unknown> };
    const edited = {
      auths: {
        [registry.host]: {
          username: 'deployer',
          password: NEW_PASSWORD,
          email: 'someone@example.com',
          auth: Buffer.from(`deployer:${NEW_PASSWORD}`).toString('base64'),
        },
      },
    };
    kube.addSecret('batch', {
      metadata: {
        name: 'regcred',
        labels: secret.metadata['labels'],
        annotations: secret.metadata['annotations'],
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(edited)).toString('base64') },
    } as never);
    // A pull secret someone else made with kubectl, under our name.
    kube.addSecret('legacy', {
      metadata: { name: 'regcred' },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({
            auths: { [registry.host]: { auth: Buffer.from('other:x-y-z-secret').toString('base64') } },
          }),
        ).toString('base64'),
      },
    });
    const found = await run(
      inputs(NEW_PASSWORD, { mode: 'audit', 'kubernetes-namespaces': 'apps\nbatch\nfresh\nlegacy' }),
    );
    const statuses = audit(found);
    expect(statuses['kubernetes prod/apps']).toBe('ok');
    expect(statuses['kubernetes prod/batch']).toBe('stale');
    expect(statuses['kubernetes prod/fresh']).toBe('missing');
    expect(statuses['kubernetes prod/legacy']).toBe('foreign');
    const stale = json<{ place: string; message: string }[]>(found.outputs['audit']).find(
      (e) => e.place === 'prod/batch',
    )!;
    expect(stale.message).toContain(`~ registry ${registry.host}: email changed`);
    // verify: fail: the missing secret alone fails the step; stale and foreign are warnings.
    expect(found.main.code).toBe(1);
    expect(errorLines(found.main).join('\n')).toContain('kubernetes prod/fresh missing');
    expect(found.shown).not.toContain('x-y-z-secret');

    // The plan for the same inputs: the hand edit repaired, the foreign secret refused.
    const plan = await run(inputs(NEW_PASSWORD, { mode: 'plan', 'kubernetes-namespaces': 'batch\nlegacy' }));
    const planned = actions(plan);
    expect(planned['kubernetes prod/batch']).toBe('would-update');
    expect(planned['kubernetes prod/legacy']).toBe('failed');
    expect(plan.summary).toContain(`~ registry ${registry.host}: email changed`);
  });

  it('a DC/OS value that is no docker config is foreign; verify: off audits without pulling', async () => {
    const stored = dcos.secrets.get('mesos-docker/pullConfig')!;
    dcos.secrets.set('mesos-docker/pullConfig', {
      contentType: 'application/octet-stream',
      body: Buffer.from('db-password=not-a-docker-config-77\n'),
    });
    try {
      const s3Reads = s3.requests.length;
      const found = await run(
        inputs(NEW_PASSWORD, { mode: 'audit', verify: 'off', 'kubernetes-namespaces': 'apps' }),
      );
      expect(found.main.code, found.main.stdout).toBe(0);
      const statuses = audit(found);
      expect(statuses[`dcos ${dcos.url} mesos-docker/pullConfig`]).toBe('foreign');
      expect(statuses['kubernetes prod/apps']).toBe('ok');
      const entries = json<{ verification?: unknown }[]>(found.outputs['audit']);
      expect(entries.filter((e) => e.verification !== undefined)).toEqual([]);
      expect(s3.requests.length).toBeGreaterThan(s3Reads); // the places were read all the same
      expect(found.shown).not.toContain('not-a-docker-config-77');
    } finally {
      dcos.secrets.set('mesos-docker/pullConfig', stored);
    }
  });

  it('a plan of state absent predicts the removal, which then happens as planned', async () => {
    const absentInputs = { ...inputs(''), username: '', state: 'absent' };
    const before = { writes: writes(), files: files() };
    const plan = await run({ ...absentInputs, mode: 'plan' });
    expect(plan.main.code, plan.main.stdout).toBe(0);
    expect(writes()).toEqual(before.writes);
    expect(files()).toEqual(before.files);
    expect(actions(plan)['dcos']).toBe('would-delete');
    expect(actions(plan)['kubernetes prod/apps']).toBe('would-delete');
    const removed = await run(absentInputs);
    expect(removed.main.code, removed.main.stdout).toBe(0);
    expectPredicted(plan, removed);
    expect(gcs.requests.some((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
  });

  it('a credential that shows its expiry is expiring within min-lifetime; a presigned PUT URL is unknown', async () => {
    // A registry password that is a JWT (as job and robot tokens are), valid for 30 more minutes.
    const exp = Math.floor(Date.now() / 1000) + 30 * 60;
    const token = [
      Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url'),
      Buffer.from(JSON.stringify({ sub: 'deployer', exp })).toString('base64url'),
      'c2lnbmF0dXJlLWJ5dGVz',
    ].join('.');
    await registry.setPassword('deployer', token);
    const values = {
      registry: registry.host,
      username: 'deployer',
      password: token,
      images: image,
      'ca-cert': registry.ca!.caPem,
      'upload-to': `file://${dir}/expiring/docker.tar.gz\n${put.origin}/presigned/b/docker.tar.gz?X-Amz-Signature=${SIGNATURE}`,
    };
    // Shipping a credential that expires within min-lifetime is refused: the deploy lowers it.
    const shipping = { ...values, 'min-lifetime': '10m' };
    const plan = await run({ ...shipping, mode: 'plan' });
    expect(plan.main.code, plan.main.stdout).toBe(0);
    expect(json(plan.outputs['uploaded'])).toEqual([
      { uri: `file://${dir}/expiring/docker.tar.gz`, result: 'would-create' },
      { uri: `${put.origin}/presigned/b/docker.tar.gz`, result: 'would-update' },
    ]);
    expect(plan.summary).toContain('a URL presigned for PUT cannot be read back');
    const applied = await run(shipping);
    expect(applied.main.code, applied.main.stdout).toBe(0);
    expect(json(applied.outputs['uploaded'])).toEqual([
      { uri: `file://${dir}/expiring/docker.tar.gz`, result: 'written' },
      { uri: `${put.origin}/presigned/b/docker.tar.gz`, result: 'written' },
    ]);

    const audited = await run({ ...values, mode: 'audit' });
    // Expiring and unknown are warnings, not failures.
    expect(audited.main.code, audited.main.stdout).toBe(0);
    const entries = json<{ place: string; status: string; message: string; expiresAt?: string }[]>(
      audited.outputs['audit'],
    );
    expect(entries.map((e) => e.status)).toEqual(['expiring', 'unknown']);
    expect(entries[0]!.expiresAt).toBe(new Date(exp * 1000).toISOString());
    expect(entries[0]!.message).toMatch(/expires in (29|30) min .*sooner than min-lifetime 1 h/);
    expect(audited.main.stdout).toMatch(/::warning title=upload file%3A.*%3A expiring::/);
    expect(audited.shown).not.toContain(token);
  });
});
