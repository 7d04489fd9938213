/**
 * Review: DC/OS and Marathon through the built action, as the runner runs it (RUNNER_DEBUG=1): the
 * golden definitions of the DC/OS and Marathon docs against a TLS fake DC/OS, a second run that
 * changes nothing, absent restoring the docs' inputs, tarball mode fed by a real S3 upload of the same run, faults, and
 * bad inputs that make no request and write nothing.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorLines, runAction, type ActionRun } from './support/action.js';
import { FakeDcos, selfSignedCert } from './support/fake-dcos.js';
import { marathonViolations } from './support/marathon-rules.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures/marathon');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const HUB_PASSWORD = 'hub-Review-Pw-8812';
const HOST_PASSWORD = 'host-Review-Pw-3390';
const USER_PASSWORD = 'dcos-User-Pw-5521';
const REGISTRIES =
  `- registry: docker.io\n  username: hubuser\n  password: ${HUB_PASSWORD}\n` +
  `- registry: some.docker.host.com\n  username: foo\n  password: ${HOST_PASSWORD}\n`;

let dcos: FakeDcos;
let s3: TestS3;
let saKey = '';
const tls = selfSignedCert();

beforeAll(async () => {
  dcos = new FakeDcos();
  saKey = dcos.addServiceAccount('ci-deployer');
  dcos.addUser('ci-user', USER_PASSWORD);
  await dcos.start(tls);
  s3 = await startS3(['mesos-config']);
});
afterAll(async () => {
  await Promise.all([dcos.stop(), s3.stop()]);
});
beforeEach(() => {
  dcos.reset();
});

/** A workspace holding the given fixtures under deploy/, plus the service-account files. */
function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-review-dcos-'));
  fs.mkdirSync(path.join(dir, 'deploy'));
  for (const [name, source] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, 'deploy', name), fixture(source));
  }
  fs.writeFileSync(path.join(dir, 'sa.pem'), saKey);
  fs.writeFileSync(
    path.join(dir, 'sa.json'),
    JSON.stringify({
      scheme: 'RS256',
      uid: 'ci-deployer',
      login_endpoint: 'https://leader.mesos/acs/api/v1/auth/login',
      private_key: saKey,
    }),
  );
  fs.writeFileSync(path.join(dir, 'ca.pem'), tls.cert);
  return dir;
}

const read = (dir: string, name: string): string => fs.readFileSync(path.join(dir, 'deploy', name), 'utf8');

const secretInputs = (dir: string): Record<string, string> => ({
  registries: REGISTRIES,
  verify: 'off',
  'dcos-url': dcos.url,
  'dcos-secret-path': 'mesos-docker/pullConfig',
  'dcos-private-key': path.join(dir, 'sa.json'),
  'dcos-ca-cert': path.join(dir, 'ca.pem'),
});

function assertNoLeak(run: ActionRun): void {
  const keyLines = saKey.trim().split('\n').slice(1, -1);
  const secrets = [HUB_PASSWORD, HOST_PASSWORD, USER_PASSWORD, ...dcos.tokens.keys(), ...keyLines];
  for (const secret of secrets) expect(run.shown, `leaked ${secret.slice(0, 6)}…`).not.toContain(secret);
  // The login JWT the action signed (the body of the login request).
  for (const login of dcos.requests('POST')) {
    const body = JSON.parse(login.body.toString('utf8')) as { token?: string; password?: string };
    const values = [body.token, body.password].filter((v): v is string => typeof v === 'string' && v !== '');
    expect(values).toHaveLength(1);
    expect(run.shown).not.toContain(values[0]);
  }
}

const expectGolden = (dir: string, name: string, expected: string, eol = '\n'): void => {
  const text = read(dir, name);
  expect(JSON.parse(text)).toEqual(JSON.parse(expected));
  expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`.replaceAll('\n', eol));
  expect(marathonViolations(JSON.parse(text))).toEqual([]);
};

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed JSON.parse for assertions
const json = <T>(text: string | undefined): T => JSON.parse(text ?? 'null') as T;

describe('golden definitions of the DC/OS and Marathon docs through the built action', () => {
  it('secret mode: the UCR and switched Docker apps; unchanged on a second run; absent restores the inputs', async () => {
    const dir = workspace({
      'ucr.json': 'mesos-docker.input.json',
      'docker.json': 'mesos-docker-dcos.input.json',
    });
    const inputs = {
      ...secretInputs(dir),
      'marathon-definitions': 'deploy/ucr.json\ndeploy/docker.json',
      'marathon-containerizer': 'mesos',
    };
    const run = await runAction(inputs, { workDir: dir, env: { RUNNER_DEBUG: '1' }, skipPost: true });
    expect(run.main.code, run.main.stdout).toBe(0);
    assertNoLeak(run);
    expectGolden(dir, 'ucr.json', fixture('mesos-docker.expected.json'));
    expectGolden(dir, 'docker.json', fixture('mesos-docker-dcos.expected.json'));
    expect(json(run.outputs['dcos'])).toEqual({
      path: 'mesos-docker/pullConfig',
      action: 'created',
      message: 'stores config.json as a file secret',
    });
    expect(json(run.outputs['marathon-definitions'])).toEqual([
      path.join(dir, 'deploy/ucr.json'),
      path.join(dir, 'deploy/docker.json'),
    ]);
    // The secret is the config.json the action wrote, byte for byte, with both registries.
    const stored = dcos.secrets.get('mesos-docker/pullConfig')!;
    expect(stored.contentType).toBe('application/octet-stream');
    expect(stored.body.toString('utf8')).toBe(fs.readFileSync(run.outputs['docker-config']!, 'utf8'));
    expect(Object.keys(json<{ auths: object }>(stored.body.toString()).auths).sort()).toEqual([
      'https://index.docker.io/v1/',
      'some.docker.host.com',
    ]);
    // The login was a service-account JWT, and every secrets request carried the issued token.
    const [login, ...rest] = dcos.log;
    expect(login?.path).toBe('/acs/api/v1/auth/login');
    expect(
      rest.every((r) => r.authorization !== undefined && dcos.tokens.has(r.authorization.slice(6))),
    ).toBe(true);

    const before = [read(dir, 'ucr.json'), read(dir, 'docker.json')];
    const again = await runAction(inputs, { workDir: dir, env: { RUNNER_DEBUG: '1' } });
    expect(again.main.code, again.main.stdout).toBe(0);
    assertNoLeak(again);
    expect(json(again.outputs['dcos'])).toMatchObject({ action: 'unchanged' });
    expect([read(dir, 'ucr.json'), read(dir, 'docker.json')]).toEqual(before);
    expect(dcos.requests('PUT').length + dcos.requests('PATCH').length).toBe(1);

    const absent = await runAction(
      { ...inputs, registries: '', state: 'absent', 'marathon-containerizer': '' },
      { workDir: dir, env: { RUNNER_DEBUG: '1' } },
    );
    expect(absent.main.code, absent.main.stdout).toBe(0);
    expect(json(absent.outputs['dcos'])).toMatchObject({ action: 'deleted' });
    expect(dcos.secrets.size).toBe(0);
    expect(JSON.parse(read(dir, 'ucr.json'))).toEqual(JSON.parse(fixture('mesos-docker.input.json')));
  }, 30_000);

  it('secret mode: both pods, with dcos-uid and dcos-password, as a value secret', async () => {
    const dir = workspace({ 'simple-pod.json': 'simple-pod.input.json', 'pod.json': 'pod.input.json' });
    const inputs = {
      ...secretInputs(dir),
      'dcos-private-key': '',
      'dcos-uid': 'ci-user',
      'dcos-password': USER_PASSWORD,
      'dcos-secret-path': '/pod/pullConfig',
      'dcos-secret-encoding': 'value',
      'marathon-definitions': 'deploy/simple-pod.json\ndeploy/pod.json',
    };
    const run = await runAction(inputs, { workDir: dir, env: { RUNNER_DEBUG: '1' }, skipPost: true });
    expect(run.main.code, run.main.stdout).toBe(0);
    assertNoLeak(run);
    expectGolden(dir, 'simple-pod.json', fixture('simple-pod.expected.json'));
    expectGolden(dir, 'pod.json', fixture('pod.expected.json'));
    const stored = dcos.secrets.get('pod/pullConfig')!;
    expect(stored.contentType).toBe('application/json');
    expect(json<{ value: string }>(stored.body.toString()).value).toBe(
      fs.readFileSync(run.outputs['docker-config']!, 'utf8'),
    );
    const again = await runAction(inputs, { workDir: dir });
    expect(json(again.outputs['dcos'])).toMatchObject({ action: 'unchanged' });
    expectGolden(dir, 'pod.json', fixture('pod.expected.json'));
  }, 30_000);

  it.each([
    ['fetch', 'some-name-or-id.input.json', 'some-name-or-id-fetch.expected.json', 'config.json'],
    ['uris', 'some-name-or-id-uris.input.json', 'some-name-or-id-uris.expected.json', 'config.json'],
    ['dockercfg in uris', 'some-name-or-id.input.json', 'some-name-or-id-uris.expected.json', 'dockercfg'],
  ])('tarball mode (%s) with a file upload of the same run', async (_name, input, expected, format) => {
    const dir = workspace({ 'app.json': input });
    const archive = path.join(dir, 'etc/docker.tar.gz');
    const inputs = {
      registries: REGISTRIES,
      verify: 'off',
      'config-format': format,
      'upload-to': archive,
      'marathon-definitions': 'deploy/app.json',
    };
    const run = await runAction(inputs, { workDir: dir });
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(json(run.outputs['fetch-uris'])).toEqual([`file://${archive}`]);
    expectGolden(
      dir,
      'app.json',
      fixture(expected).replace('file:///etc/docker.tar.gz', `file://${archive}`),
    );
    const before = read(dir, 'app.json');
    const again = await runAction(inputs, { workDir: dir });
    expect(json(again.outputs['uploaded'])).toEqual([{ uri: `file://${archive}`, result: 'unchanged' }]);
    expect(read(dir, 'app.json')).toBe(before);
    expect(dcos.log).toEqual([]);
  });
});

describe('tarball mode fed by real S3 uploads', () => {
  it('references the first destination that was written, and still fails the step for the other', async () => {
    const dir = workspace({ 'app.json': 'some-name-or-id.input.json' });
    const run = await runAction(
      {
        registries: REGISTRIES,
        verify: 'off',
        'upload-to': 's3://no-such-bucket/ci/docker.tar.gz\ns3://mesos-config/ci/docker.tar.gz',
        's3-endpoint': s3.endpoint,
        'marathon-definitions': 'deploy/app.json',
      },
      { workDir: dir, env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY } },
    );
    expect(run.main.code).toBe(1);
    expect(json(run.outputs['uploaded'])).toEqual([
      {
        uri: 's3://no-such-bucket/ci/docker.tar.gz',
        result: 'failed',
        message: expect.stringContaining("bucket 'no-such-bucket' does not exist") as unknown,
      },
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'written' },
    ]);
    const app = json<{ fetch: { uri: string }[] }>(read(dir, 'app.json'));
    expect(app.fetch).toEqual([{ uri: `${s3.endpoint}/mesos-config/ci/docker.tar.gz` }]);
    expect(marathonViolations(app)).toEqual([]);
    // The URI the definition names serves the archive the action built.
    const response = await fetch(app.fetch[0]!.uri);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(run.outputs['tarball-sha256']);
  });
});

describe('DC/OS faults through the built action', () => {
  it('retries a 503, and falls over to PATCH when a concurrent writer creates the secret (409)', async () => {
    const dir = workspace({ 'ucr.json': 'mesos-docker.input.json' });
    dcos.failNext({ status: 503, method: 'GET' });
    dcos.intercept = (request) => {
      if (request.method === 'PUT') {
        dcos.secrets.set('mesos-docker/pullConfig', {
          contentType: 'application/octet-stream',
          body: Buffer.from('{"auths":{}}'),
        });
      }
    };
    const run = await runAction(
      { ...secretInputs(dir), 'marathon-definitions': 'deploy/ucr.json' },
      { workDir: dir, skipPost: true },
    );
    expect(run.main.code, run.main.stdout).toBe(0);
    expect(json(run.outputs['dcos'])).toMatchObject({ action: 'updated' });
    expect(dcos.log.filter((r) => !r.path.includes('/acs/')).map((r) => r.method)).toEqual([
      'GET',
      'GET',
      'PUT',
      'PATCH',
    ]);
    expect(dcos.secrets.get('mesos-docker/pullConfig')?.body.toString()).toBe(
      fs.readFileSync(run.outputs['docker-config']!, 'utf8'),
    );
  });

  it('a 403 fails the DC/OS target and leaves the definitions untouched', async () => {
    const dir = workspace({ 'ucr.json': 'mesos-docker.input.json' });
    dcos.addUser('reader', 'reader-Pw-0001', ['other/path']);
    const run = await runAction(
      {
        ...secretInputs(dir),
        'dcos-private-key': '',
        'dcos-uid': 'reader',
        'dcos-password': 'reader-Pw-0001',
        'marathon-definitions': 'deploy/ucr.json',
      },
      { workDir: dir },
    );
    expect(run.main.code).toBe(1);
    expect(errorLines(run.main)[0]).toContain(
      "grant 'reader' the permission dcos:secrets:default:/mesos-docker/pullConfig full",
    );
    expect(read(dir, 'ucr.json')).toBe(fixture('mesos-docker.input.json'));
    expect(json(run.outputs['marathon-definitions'])).toEqual([]);
  });
});

describe('bad DC/OS inputs: one InputError, no request, nothing written', () => {
  const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
  it.each([
    [
      'a damaged dcos-ca-cert',
      { 'dcos-ca-cert': garbage },
      'dcos-ca-cert',
      'certificate 1 of 1 is not a valid',
    ],
    ['a key as dcos-ca-cert', { 'dcos-ca-cert': 'KEY' }, 'dcos-ca-cert', 'holds no PEM certificate'],
    ['a Docker app without marathon-containerizer', {}, 'marathon-containerizer', 'Docker containerizer'],
  ])('%s', async (_name, extra, input, message) => {
    const dir = workspace({ 'docker.json': 'mesos-docker-dcos.input.json' });
    const overrides = { ...extra } as Record<string, string>;
    if (overrides['dcos-ca-cert'] === 'KEY') overrides['dcos-ca-cert'] = saKey;
    const run = await runAction(
      { ...secretInputs(dir), 'marathon-definitions': 'deploy/docker.json', ...overrides },
      { workDir: dir, env: { RUNNER_DEBUG: '1' } },
    );
    expect(run.main.code).toBe(1);
    const errors = errorLines(run.main);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^Input '${input}': .*${message}`));
    expect(dcos.log).toEqual([]);
    expect(read(dir, 'docker.json')).toBe(fixture('mesos-docker-dcos.input.json'));
    assertNoLeak(run);
  });
});

describe('masking a service-account key that was not an input', () => {
  it('registers every line of a key read from a file before shipping anything', async () => {
    const dir = workspace({ 'ucr.json': 'mesos-docker.input.json' });
    const run = await runAction(
      {
        ...secretInputs(dir),
        'dcos-private-key': path.join(dir, 'sa.pem'),
        'dcos-uid': 'ci-deployer',
        'marathon-definitions': 'deploy/ucr.json',
      },
      { workDir: dir },
    );
    expect(run.main.code, run.main.stdout).toBe(0);
    const lines = run.main.stdout.split('\n');
    const shipping = lines.findIndex((l) => l.startsWith('::group::Writing credentials'));
    for (const keyLine of saKey.trim().split('\n').slice(1, -1)) {
      const mask = lines.indexOf(`::add-mask::${keyLine}`);
      expect(mask, `key line ${keyLine.slice(0, 8)}… masked`).toBeGreaterThanOrEqual(0);
      expect(mask).toBeLessThan(shipping);
    }
  });
});

describe('definitions as editors save them', () => {
  it('a UTF-8 byte-order mark and CRLF lines are read like any JSON, then written as 2-space JSON keeping CRLF', async () => {
    const dir = workspace({});
    const text = fixture('some-name-or-id.input.json').replace(/\r?\n/g, '\r\n');
    fs.writeFileSync(path.join(dir, 'deploy/app.json'), `\uFEFF${text}`);
    const archive = path.join(dir, 'share/docker.tar.gz');
    const inputs = {
      registries: REGISTRIES,
      verify: 'off',
      'upload-to': archive,
      'marathon-definitions': 'deploy/app.json',
    };
    const run = await runAction(inputs, { workDir: dir });
    expect(run.main.code, run.main.stdout).toBe(0);
    expectGolden(
      dir,
      'app.json',
      fixture('some-name-or-id-fetch.expected.json').replace(
        'file:///etc/docker.tar.gz',
        `file://${archive}`,
      ),
      '\r\n',
    );
    const before = read(dir, 'app.json');
    const again = await runAction(inputs, { workDir: dir });
    expect(again.main.code).toBe(0);
    expect(read(dir, 'app.json')).toBe(before);
  });
});
