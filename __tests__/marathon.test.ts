import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Inputs } from '../src/context.js';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { InputError } from '../src/errors.js';
import { parseSecretPath } from '../src/targets/dcos.js';
import { marathonTarget, type MarathonPlan } from '../src/targets/marathon.js';
import type { BasePlan, PlanFacts, TargetContext, TargetOutcome } from '../src/targets/types.js';
import { uploadTarget } from '../src/targets/upload.js';
import { defaultInputs as testInputs } from './support/inputs.js';
import { marathonViolations, schemaViolations } from './support/marathon-rules.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures/marathon');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

const credential = (registry: string): Credential => ({
  address: parseRegistry(registry),
  username: 'u',
  password: 'p',
});
const base: BasePlan = {
  state: 'present',
  credentials: [credential('docker.io'), credential('some.docker.host.com')],
  configFormat: 'config.json',
  tarball: false,
};

const roots: string[] = [];
let workspace = '';
beforeEach(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'marathon-ws-'));
  roots.push(workspace);
  vi.stubEnv('GITHUB_WORKSPACE', workspace);
});
afterAll(() => {
  vi.unstubAllEnvs();
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

const ARCHIVE = 'file:///etc/docker.tar.gz';
const uploadOutcome = (uris: string[], results: string[] = uris.map(() => 'written')): TargetOutcome => ({
  results: [],
  outputs: { uploaded: uris.map((uri, i) => ({ uri, result: results[i] })), 'fetch-uris': uris },
  facts: { storedFetchUris: uris.filter((_uri, i) => results[i] !== 'failed') },
});
const dcosStored: TargetOutcome = { results: [], facts: { dcosSecretStored: true } };
const warnings: string[] = [];
function ctx(
  previous: [string, TargetOutcome][] = [
    ['upload', uploadOutcome([ARCHIVE])],
    ['dcos', dcosStored],
  ],
): TargetContext {
  return {
    base,
    artifacts: { document: '{}', configPath: '', configDir: '' },
    runDir: workspace,
    previous: new Map(previous),
    log: { info: () => undefined, warning: (m) => warnings.push(String(m)), debug: () => undefined },
    signal: new AbortController().signal,
  };
}

function write(name: string, text: string): string {
  const file = path.join(workspace, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** What the DC/OS and upload plans tell Marathon's plan in a run (planAll in run.ts). */
function factsOf(inputs: Inputs): PlanFacts {
  const upload = uploadTarget.plan(inputs, base);
  return {
    ...(inputs.dcosSecretPath === ''
      ? {}
      : { dcosSecretPath: parseSecretPath('dcos-secret-path', inputs.dcosSecretPath) }),
    ...(upload === undefined ? {} : uploadTarget.facts!(upload)),
  };
}

function planOf(overrides: Partial<Inputs> = {}, b: BasePlan = base): MarathonPlan | undefined {
  const inputs = testInputs(overrides);
  return marathonTarget.plan(inputs, b, factsOf(inputs)) as MarathonPlan | undefined;
}

function plan(overrides: Partial<Inputs>, b: BasePlan = base): MarathonPlan {
  const p = planOf(overrides, b);
  if (p === undefined) throw new Error('marathon target disabled');
  return p;
}

const SECRET = { dcosUrl: 'https://dcos.example.com', dcosSecretPath: 'mesos-docker/pullConfig' };
const TARBALL = { uploadTo: [ARCHIVE] };

/** Golden cases: the docs' minimal definitions, patched, must equal the docs' complete examples. */
const goldens: {
  name: string;
  input: string;
  expected: string;
  inputs: Partial<Inputs>;
  base?: BasePlan;
}[] = [
  {
    name: 'UCR app (Marathon docs)',
    input: 'mesos-docker.input.json',
    expected: 'mesos-docker.expected.json',
    inputs: SECRET,
  },
  {
    name: 'Docker app switched to MESOS (DC/OS docs)',
    input: 'mesos-docker-dcos.input.json',
    expected: 'mesos-docker-dcos.expected.json',
    inputs: { ...SECRET, marathonContainerizer: 'mesos' },
  },
  {
    name: '/simple-pod',
    input: 'simple-pod.input.json',
    expected: 'simple-pod.expected.json',
    inputs: { ...SECRET, dcosSecretPath: '/pod/pullConfig' },
  },
  {
    name: '/pod',
    input: 'pod.input.json',
    expected: 'pod.expected.json',
    inputs: { ...SECRET, dcosSecretPath: 'pod/pullConfig' },
  },
  {
    name: 'tarball via fetch',
    input: 'some-name-or-id.input.json',
    expected: 'some-name-or-id-fetch.expected.json',
    inputs: TARBALL,
  },
  {
    name: 'tarball in an existing uris list',
    input: 'some-name-or-id-uris.input.json',
    expected: 'some-name-or-id-uris.expected.json',
    inputs: TARBALL,
  },
  {
    name: 'Registry 1.0 .dockercfg archive in uris',
    input: 'some-name-or-id.input.json',
    expected: 'some-name-or-id-uris.expected.json',
    inputs: TARBALL,
    base: { ...base, configFormat: 'dockercfg' },
  },
];

describe('marathon golden definitions', () => {
  it.each(goldens)('$name', async ({ input, expected, inputs, base: b = base }) => {
    const file = write('defs/app.json', fixture(input));
    const p = plan({ ...inputs, marathonDefinitions: ['defs/app.json'] }, b);
    const first = await marathonTarget.present(p, ctx());
    expect(first.results.map((r) => [r.subject, r.action])).toEqual([['defs/app.json', 'updated']]);
    expect(first.outputs).toEqual({ 'marathon-definitions': [file] });
    const text = fs.readFileSync(file, 'utf8');
    const written = JSON.parse(text) as unknown;
    expect(written).toEqual(JSON.parse(fixture(expected)));
    expect(text).toBe(`${JSON.stringify(written, null, 2)}\n`);
    expect(marathonViolations(written)).toEqual([]);
    expect(schemaViolations(written)).toEqual([]);

    // A second run plans from the patched file and leaves it byte-identical.
    const mtime = fs.statSync(file).mtimeMs;
    const second = await marathonTarget.present(plan({ ...inputs, marathonDefinitions: [file] }, b), ctx());
    expect(second.results[0]!.action).toBe('unchanged');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
  });

  it('the unpatched Docker app breaks the Marathon rules the action guards against', () => {
    // The oracle itself: pullConfig with DOCKER, and a dangling secret name, are refused.
    const app = JSON.parse(fixture('mesos-docker-dcos.expected.json')) as { container: { type: string } };
    app.container.type = 'DOCKER';
    expect(marathonViolations(app)).toEqual(['pullConfig is not supported with Docker containerizer']);
    expect(marathonViolations({ id: '/a', uris: ['u'], fetch: [{ uri: 'f' }] })).toEqual([
      'uris may not be set in conjunction with fetch',
    ]);
    expect(marathonViolations({ id: '/a', uris: [], fetch: [{ uri: 'f' }] })).toEqual([]);
    const hostApp = { id: '/a', container: { type: 'MESOS', docker: { image: 'i', network: 'HOST' } } };
    expect(marathonViolations(hostApp)).toEqual([
      'container.docker.network must be empty with the Mesos containerizer',
    ]);
    expect(schemaViolations({ id: '/a', cpus: 'one' })).toEqual(['$.cpus: must be number']);
    expect(schemaViolations({ id: 'Not Valid', container: { docker: {} } })).toEqual([
      expect.stringMatching(/^\$\.id: does not match/),
      '$.container.docker: image is required',
    ]);
    const pod = JSON.parse(fixture('pod.expected.json')) as Record<string, unknown>;
    delete pod['secrets'];
    expect(marathonViolations(pod)).toEqual([
      'containers[0].image: pullConfig.secret must refer to an existing secret',
    ]);
  });
});

describe('marathon schema', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  it.each(files)('%s is a definition Marathon accepts', (name) => {
    const def = JSON.parse(fixture(name)) as unknown;
    expect(schemaViolations(def)).toEqual([]);
    // The inputs of secret mode lack pullConfig; only the Docker one is refused once patched.
    expect(marathonViolations(def)).toEqual([]);
  });
});

describe('switching a Docker app to the Mesos containerizer', () => {
  const dockerApp = (docker: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id: '/web',
    cmd: 'serve',
    container: { type: 'DOCKER', docker: { image: 'some.docker.host.com/team/web:1', ...docker } },
    ...extra,
  });
  const inputs: Partial<Inputs> = {
    ...SECRET,
    marathonContainerizer: 'mesos',
    marathonDefinitions: ['web.json'],
  };

  it.each<
    [
      string,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ]
  >([
    [
      'HOST network, empty lists, privileged',
      { network: 'HOST', portMappings: [], parameters: [], privileged: true },
      {},
      { networks: [{ mode: 'host' }] },
      { privileged: true },
    ],
    [
      'BRIDGE network with port mappings',
      {
        network: 'BRIDGE',
        portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp', name: 'http' }],
      },
      {},
      {
        networks: [{ mode: 'container/bridge' }],
        portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp', name: 'http' }],
      },
      {},
    ],
    [
      'USER network named by ipAddress, its labels, port mappings',
      { network: 'USER', portMappings: [{ containerPort: 8080, name: 'http' }] },
      { ipAddress: { networkName: 'dcos', labels: { tier: 'web' } } },
      {
        networks: [{ mode: 'container', name: 'dcos', labels: { tier: 'web' } }],
        portMappings: [{ containerPort: 8080, name: 'http' }],
      },
      {},
    ],
    [
      "USER network without ipAddress: Marathon's default network",
      { network: 'USER' },
      {},
      { networks: [{ mode: 'container' }] },
      {},
    ],
  ])('%s: moved where Marathon takes them under MESOS', async (_name, docker, extra, moved, kept) => {
    const file = write('web.json', JSON.stringify(dockerApp(docker, extra), null, 2));
    const outcome = await marathonTarget.present(plan(inputs), ctx());
    expect(outcome.results.map((r) => r.action)).toEqual(['updated']);
    expect(outcome.results[0]!.message).not.toMatch(/privileged/);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      networks?: unknown;
      ipAddress?: unknown;
      container: Record<string, unknown> & { docker: Record<string, unknown> };
    };
    expect(written.networks).toEqual(moved['networks']);
    // A USER network's ipAddress is now its entry in networks, which Marathon takes instead.
    expect(written.ipAddress).toBeUndefined();
    expect(written.container['portMappings']).toEqual(moved['portMappings']);
    expect(written.container.type).toBe('MESOS');
    expect(written.container.docker).toEqual({
      image: 'some.docker.host.com/team/web:1',
      pullConfig: { secret: 'pullConfigSecret' },
      ...kept,
    });
    expect(marathonViolations(written)).toEqual([]);
    expect(schemaViolations(written)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    ['docker parameters', { parameters: [{ key: 'ulimit', value: 'nofile=4096' }] }, {}, /parameters/],
    ['an unknown network', { network: 'OVERLAY' }, {}, /network "OVERLAY" has no equivalent/],
    [
      'a USER network with security groups',
      { network: 'USER' },
      { ipAddress: { networkName: 'dcos', groups: ['web'] } },
      /ipAddress.groups/,
    ],
    [
      'a USER network with discovery ports',
      { network: 'USER' },
      {
        ipAddress: {
          networkName: 'dcos',
          discovery: { ports: [{ number: 80, name: 'http', protocol: 'tcp' }] },
        },
      },
      /ipAddress.discovery.ports/,
    ],
    [
      'a USER network beside portDefinitions',
      { network: 'USER' },
      { portDefinitions: [{ port: 0 }] },
      /not container/,
    ],
    [
      'port mappings with HOST networking',
      { network: 'HOST', portMappings: [{ containerPort: 80 }] },
      {},
      /HOST networking/,
    ],
    ['docker.network beside networks', { network: 'BRIDGE' }, { networks: [{ mode: 'host' }] }, /both/],
    [
      'BRIDGE with portDefinitions',
      { network: 'BRIDGE' },
      { portDefinitions: [{ port: 0 }] },
      /host networking only, not container\/bridge/,
    ],
  ])('%s: refused at plan time, the file untouched', (_name, docker, extra, message) => {
    const text = JSON.stringify(dockerApp(docker, extra), null, 2);
    const file = write('web.json', text);
    let error: unknown;
    try {
      plan(inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('marathon-containerizer');
    expect((error as InputError).message).toMatch(message);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('marathon patching', () => {
  const busy = {
    id: '/busy',
    env: { A: '1', DB_PASSWORD: { secret: 'db' } },
    labels: { team: 'x' },
    container: {
      type: 'MESOS',
      docker: { image: 'some.docker.host.com/team/app:1.2', forcePullImage: true },
    },
    secrets: { db: { source: '/team/db-password' }, pullConfigSecret: { source: '/old/place' } },
    fetch: [{ uri: 'https://example.com/app.tgz', extract: false }],
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health' }],
  };

  it('keeps unrelated secrets, fetch entries and fields; repoints our secret entry', async () => {
    const file = write('busy.json', JSON.stringify(busy));
    const o = await marathonTarget.present(plan({ ...SECRET, marathonDefinitions: ['busy.json'] }), ctx());
    expect(o.results[0]!.action).toBe('updated');
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof busy;
    expect(written).toEqual({
      ...busy,
      container: {
        ...busy.container,
        docker: { ...busy.container.docker, pullConfig: { secret: 'pullConfigSecret' } },
      },
      secrets: { db: busy.secrets.db, pullConfigSecret: { source: '/mesos-docker/pullConfig' } },
    });
    expect(marathonViolations(written)).toEqual([]);
  });

  it('adds the archive after existing fetch entries, replaces our other destination, never both lists', async () => {
    const oldUri = 'file:///mnt/share/docker.tar.gz';
    const def = { ...busy, container: { type: 'DOCKER', docker: { image: 'nginx' } }, secrets: {} };
    def.fetch = [...busy.fetch, { uri: oldUri, extract: true }];
    const file = write('busy.json', JSON.stringify(def));
    const p = plan({
      uploadTo: [ARCHIVE, oldUri],
      marathonDefinitions: ['busy.json'],
    });
    await marathonTarget.present(p, ctx());
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof def;
    expect(written.fetch).toEqual([busy.fetch[0], { uri: ARCHIVE }]);
    expect(written).not.toHaveProperty('uris');
    expect(marathonViolations(written)).toEqual([]);
  });

  it('uses the first destination whose upload did not fail, and skips when all failed', async () => {
    const second = 'https://mirror.example.com/docker.tar.gz';
    write('app.json', fixture('some-name-or-id.input.json'));
    const p = plan({ uploadTo: [ARCHIVE, second], marathonDefinitions: ['app.json'] });
    const o = await marathonTarget.present(
      p,
      ctx([['upload', uploadOutcome([ARCHIVE, second], ['failed', 'written'])]]),
    );
    expect(o.results[0]!.action).toBe('updated');
    expect(
      (JSON.parse(fs.readFileSync(path.join(workspace, 'app.json'), 'utf8')) as { fetch: unknown }).fetch,
    ).toEqual([{ uri: second }]);
    const none = await marathonTarget.present(
      p,
      ctx([['upload', uploadOutcome([ARCHIVE, second], ['failed', 'failed'])]]),
    );
    expect(none.results.map((r) => r.action)).toEqual(['skipped']);
    expect(none.outputs).toEqual({ 'marathon-definitions': [] });
  });

  it('skips when the upload failed as a whole (it ran past its deadline) and reported no URIs', async () => {
    const file = write('app.json', fixture('some-name-or-id.input.json'));
    const timedOut: TargetOutcome = {
      results: [{ target: 'upload', subject: 'upload', action: 'failed', message: 'timed out after 3 s' }],
    };
    const o = await marathonTarget.present(
      plan({ uploadTo: [ARCHIVE], marathonDefinitions: ['app.json'] }),
      ctx([['upload', timedOut]]),
    );
    expect(o.results.map((r) => r.action)).toEqual(['skipped']);
    expect(fs.readFileSync(file, 'utf8')).toBe(fixture('some-name-or-id.input.json'));
  });

  // A failed store reports dcosSecretStored false; a DC/OS target that threw reports no facts.
  it.each<[string, TargetOutcome]>([
    [
      'failed',
      {
        results: [{ target: 'dcos', subject: 's', action: 'failed', message: '403' }],
        facts: { dcosSecretStored: false },
      },
    ],
    ['threw', { results: [{ target: 'dcos', subject: 'dcos', action: 'failed', message: 'boom' }] }],
  ])('skips secret mode when the DC/OS secret was not stored (%s)', async (_name, dcos) => {
    const file = write('app.json', fixture('mesos-docker.input.json'));
    const o = await marathonTarget.present(
      plan({ ...SECRET, marathonDefinitions: ['app.json'] }),
      ctx([['dcos', dcos]]),
    );
    expect(o.results[0]).toMatchObject({
      action: 'skipped',
      message: expect.stringMatching(/DC\/OS secret/) as string,
    });
    expect(fs.readFileSync(file, 'utf8')).toBe(fixture('mesos-docker.input.json'));
  });

  it('writes into marathon-output-dir under the same base names and leaves the sources alone', async () => {
    write('a/app.json', fixture('mesos-docker.input.json'));
    write('b/pod.json', fixture('pod.input.json'));
    const inputs = {
      ...SECRET,
      dcosSecretPath: 'pod/pullConfig',
      marathonDefinitions: ['a/app.json', path.join(workspace, 'b/pod.json')],
      marathonOutputDir: 'out',
    };
    const o = await marathonTarget.present(plan(inputs), ctx());
    expect(o.results.map((r) => [r.subject, r.action])).toEqual([
      ['out/app.json', 'created'],
      ['out/pod.json', 'created'],
    ]);
    expect(o.outputs).toEqual({
      'marathon-definitions': [path.join(workspace, 'out/app.json'), path.join(workspace, 'out/pod.json')],
    });
    expect(fs.readFileSync(path.join(workspace, 'a/app.json'), 'utf8')).toBe(
      fixture('mesos-docker.input.json'),
    );
    expect(JSON.parse(fs.readFileSync(path.join(workspace, 'out/pod.json'), 'utf8'))).toEqual(
      JSON.parse(fixture('pod.expected.json')),
    );
    const again = await marathonTarget.present(plan(inputs), ctx());
    expect(again.results.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('keeps a CRLF file CRLF (a Windows checkout)', async () => {
    const crlf = fixture('mesos-docker.input.json').replace(/\r?\n/g, '\r\n');
    const file = write('crlf.json', crlf);
    await marathonTarget.present(plan({ ...SECRET, marathonDefinitions: ['crlf.json'] }), ctx());
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('"pullConfig"');
    expect(text.split('\r\n').length).toBe(text.split('\n').length);
    expect(text.endsWith('}\r\n')).toBe(true);
  });

  it('takes an empty "uris" beside "fetch": Marathon refuses only both non-empty', async () => {
    const file = write('both.json', JSON.stringify({ id: '/a', cmd: 'x', uris: [], fetch: [] }));
    const o = await marathonTarget.present(plan({ ...TARBALL, marathonDefinitions: ['both.json'] }), ctx());
    expect(o.results.map((r) => r.action)).toEqual(['updated']);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    expect(written).toEqual({ id: '/a', cmd: 'x', uris: [], fetch: [{ uri: ARCHIVE }] });
    expect(marathonViolations(written)).toEqual([]);
  });

  it('leaves a conforming file with its own formatting untouched', async () => {
    const text = fixture('pod.expected.json');
    const file = write('pod.json', text);
    const o = await marathonTarget.present(
      plan({ ...SECRET, dcosSecretPath: 'pod/pullConfig', marathonDefinitions: ['pod.json'] }),
      ctx(),
    );
    expect(o.results[0]!.action).toBe('unchanged');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('marathon state absent', () => {
  it.each([
    { name: 'UCR app (Marathon docs)', input: 'mesos-docker.input.json', inputs: SECRET },
    { name: 'pod', input: 'pod.input.json', inputs: { ...SECRET, dcosSecretPath: 'pod/pullConfig' } },
    { name: 'fetch app', input: 'some-name-or-id.input.json', inputs: TARBALL },
  ])('removes what present added: $name', async ({ input, inputs }) => {
    const file = write('def.json', fixture(input));
    await marathonTarget.present(plan({ ...inputs, marathonDefinitions: ['def.json'] }), ctx());
    const absentBase: BasePlan = { ...base, state: 'absent', credentials: [] };
    const p = plan({ ...inputs, marathonDefinitions: ['def.json'] }, absentBase);
    const o = await marathonTarget.absent(p, ctx([]));
    expect(o.results[0]!.action).toBe('updated');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(JSON.parse(fixture(input)));
    const again = await marathonTarget.absent(
      plan({ ...inputs, marathonDefinitions: ['def.json'] }, absentBase),
      ctx([]),
    );
    expect(again.results[0]!.action).toBe('absent');
  });

  it('keeps a secrets entry that points elsewhere, and other fetch entries', async () => {
    const def = {
      id: '/x',
      container: { type: 'MESOS', docker: { image: 'nginx', pullConfig: { secret: 'pullConfigSecret' } } },
      secrets: { pullConfigSecret: { source: '/someone/else' }, db: { source: '/db' } },
    };
    const file = write('x.json', JSON.stringify(def));
    await marathonTarget.absent(
      plan({ ...SECRET, marathonDefinitions: ['x.json'] }, { ...base, state: 'absent' }),
      ctx([]),
    );
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      id: '/x',
      container: { type: 'MESOS', docker: { image: 'nginx' } },
      secrets: def.secrets,
    });
  });
});

describe('marathon inputs', () => {
  const bad: [string, Partial<Inputs>, string, Record<string, string>?][] = [
    ['missing file', { ...SECRET, marathonDefinitions: ['nope.json'] }, 'marathon-definitions'],
    [
      'invalid JSON',
      { ...SECRET, marathonDefinitions: ['bad.json'] },
      'marathon-definitions',
      { 'bad.json': '{"id": ' },
    ],
    [
      'a JSON array',
      { ...SECRET, marathonDefinitions: ['arr.json'] },
      'marathon-definitions',
      { 'arr.json': '[]' },
    ],
    [
      'no id',
      { ...SECRET, marathonDefinitions: ['noid.json'] },
      'marathon-definitions',
      { 'noid.json': '{"cmd":"x"}' },
    ],
    [
      'Docker containerizer with pullConfig',
      { ...SECRET, marathonDefinitions: ['app.json'] },
      'marathon-containerizer',
      { 'app.json': fixture('mesos-docker-dcos.input.json') },
    ],
    [
      'unset container.type (DOCKER by default)',
      { ...SECRET, marathonDefinitions: ['app.json'] },
      'marathon-containerizer',
      { 'app.json': '{"id":"/a","container":{"docker":{"image":"nginx"}}}' },
    ],
    [
      'app without an image',
      { ...SECRET, marathonDefinitions: ['app.json'] },
      'marathon-definitions',
      { 'app.json': '{"id":"/a","cmd":"sleep 1"}' },
    ],
    [
      'tarball on a pod',
      { ...TARBALL, marathonDefinitions: ['pod.json'] },
      'marathon-definitions',
      { 'pod.json': fixture('pod.input.json') },
    ],
    [
      'pod without an image of our registries',
      { ...SECRET, marathonDefinitions: ['pod.json'] },
      'marathon-definitions',
      { 'pod.json': fixture('pod.input.json').replace('"nginx"', '"quay.io/team/nginx"') },
    ],
    [
      'both uris and fetch non-empty',
      { ...TARBALL, marathonDefinitions: ['app.json'] },
      'marathon-definitions',
      { 'app.json': '{"id":"/a","uris":["u"],"fetch":[{"uri":"f"}]}' },
    ],
    [
      'tarball without upload-to',
      { marathonDefinitions: ['app.json'] },
      'upload-to',
      { 'app.json': '{"id":"/a"}' },
    ],
    [
      'secret mode without a path',
      { marathonMode: 'secret', marathonDefinitions: ['app.json'] },
      'dcos-secret-path',
      { 'app.json': '{"id":"/a"}' },
    ],
    [
      'unknown mode',
      { ...SECRET, marathonMode: 'magic', marathonDefinitions: ['app.json'] },
      'marathon-mode',
    ],
    [
      'unknown containerizer',
      { ...SECRET, marathonContainerizer: 'docker', marathonDefinitions: ['app.json'] },
      'marathon-containerizer',
    ],
    [
      'containerizer in tarball mode',
      { ...TARBALL, marathonContainerizer: 'mesos', marathonDefinitions: ['app.json'] },
      'marathon-containerizer',
      { 'app.json': '{"id":"/a"}' },
    ],
    [
      'bad secret name',
      { ...SECRET, marathonSecretName: 'a b', marathonDefinitions: ['app.json'] },
      'marathon-secret-name',
    ],
    [
      'two files with one base name',
      { ...SECRET, marathonDefinitions: ['a/app.json', 'b/app.json'], marathonOutputDir: 'out' },
      'marathon-output-dir',
      { 'a/app.json': fixture('mesos-docker.input.json'), 'b/app.json': fixture('mesos-docker.input.json') },
    ],
    [
      'one bad file among good ones',
      { ...SECRET, marathonDefinitions: ['good.json', 'bad.json'] },
      'marathon-containerizer',
      {
        'good.json': fixture('mesos-docker.input.json'),
        'bad.json': fixture('mesos-docker-dcos.input.json'),
      },
    ],
  ];

  it.each(bad)('rejects %s at plan time, writing nothing', (_name, inputs, input, files = {}) => {
    for (const [name, text] of Object.entries(files)) write(name, text);
    const before = Object.fromEntries(
      Object.keys(files).map((f) => [f, fs.readFileSync(path.join(workspace, f), 'utf8')]),
    );
    const listing = fs.readdirSync(workspace, { recursive: true }).sort();
    let thrown: unknown;
    try {
      planOf(inputs);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).input).toBe(input);
    // A list of choices never shows an empty one ("use one of , secret, tarball").
    expect((thrown as InputError).message).not.toMatch(/one of ,|, ,/);
    expect(fs.readdirSync(workspace, { recursive: true }).sort()).toEqual(listing);
    for (const [f, text] of Object.entries(before))
      expect(fs.readFileSync(path.join(workspace, f), 'utf8')).toBe(text);
  });

  it.each([
    [
      'marathon-mode',
      { marathonMode: 'magic' },
      "'magic' is not supported: use one of secret, tarball, or leave it empty",
    ],
    [
      'marathon-containerizer',
      { marathonContainerizer: 'docker' },
      "'docker' is not supported: use one of mesos, or leave it empty",
    ],
  ])('%s names only real choices', (input, overrides, message) => {
    expect(() => plan({ ...SECRET, ...overrides, marathonDefinitions: ['app.json'] })).toThrow(
      `Input '${input}': ${message}`,
    );
  });

  it('is off without definitions; mode defaults to secret with dcos-secret-path, else tarball', () => {
    expect(planOf()).toBeUndefined();
    write('app.json', fixture('mesos-docker.input.json'));
    expect(plan({ ...SECRET, marathonDefinitions: ['app.json'] }).mode).toBe('secret');
    write('t.json', fixture('some-name-or-id.input.json'));
    expect(plan({ ...TARBALL, marathonDefinitions: ['t.json'] }).mode).toBe('tarball');
  });
});
