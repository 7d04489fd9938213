/**
 * Servers that accept the connection and never answer, through the built action with a short
 * `timeout`: each target fails within its deadline as `timed out after 3 s`, the run ends within the
 * bound, the servers saw no retry storm, and nothing is left half-written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './support/action.js';
import { startHangingServer, type HangingServer } from './support/hang.js';

const TIMEOUT_S = 3;
/**
 * The deadline, plus what is not the target's: starting the step's process and reporting, on a busy
 * CI machine (the post step is not timed). Without deadlines a hung server costs 94 s or more.
 */
const OVERHEAD_MS = 5000;
const TARGET_BOUND_MS = TIMEOUT_S * 1000 + OVERHEAD_MS;
const TIMED_OUT = `timed out after ${TIMEOUT_S} s`;

/** Hanging servers for one test, stopped when it ends (tests run concurrently: never another's). */
async function withServers<T>(kinds: boolean[], test: (servers: HangingServer[]) => Promise<T>): Promise<T> {
  const servers = await Promise.all(kinds.map((tls) => startHangingServer({ tls })));
  try {
    return await test(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const base = {
  registry: 'registry.example.com:5000',
  username: 'ci',
  password: 'hang-Test-Pw-77',
  email: 'ci@example.com',
  verify: 'off',
  timeout: String(TIMEOUT_S),
};

function kubeconfig(server: HangingServer): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'hung',
        cluster: {
          server: server.url,
          'certificate-authority-data': Buffer.from(server.ca!.pem).toString('base64'),
        },
      },
    ],
    users: [{ name: 'ci', user: { token: 'hang-kube-token' } }],
    contexts: [{ name: 'hung', context: { cluster: 'hung', user: 'ci' } }],
    'current-context': 'hung',
  });
}

const credentialDirs: string[] = [];
afterAll(() => {
  for (const dir of credentialDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** What google-github-actions/auth writes for Workload Identity Federation, its STS the server. */
function federationCredentials(server: HangingServer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-hang-gcp-'));
  credentialDirs.push(dir);
  fs.writeFileSync(path.join(dir, 'oidc-token'), 'hang-oidc-subject-token');
  const file = path.join(dir, 'gha-creds.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${server.url}/sts/v1/token`,
      credential_source: { file: path.join(dir, 'oidc-token') },
    }),
  );
  return file;
}

/** Inputs that point one target at a hanging server, and what the server may have received. */
interface Case {
  inputs: (server: HangingServer) => Record<string, string>;
  env?: (server: HangingServer) => Record<string, string>;
  tls: boolean;
  /** The requests that were in flight when the deadline hit: one per call, never a retry. */
  requests: string[];
  output: string;
}

const CASES: Record<string, Case> = {
  upload: {
    tls: true,
    inputs: (s) => ({ 'upload-to': `${s.url}/repo/docker.tar.gz` }),
    env: (s) => ({ NODE_EXTRA_CA_CERTS: s.ca!.file }),
    // The HEAD that would skip an unchanged archive hangs; the PUT never starts after the deadline.
    requests: ['HEAD /repo/docker.tar.gz'],
    output: 'uploaded',
  },
  's3 (AWS SDK)': {
    tls: false,
    inputs: (s) => ({
      'upload-to': 's3://hang-bucket/docker.tar.gz',
      's3-endpoint': s.url,
      's3-force-path-style': 'true',
      's3-sse': 'none',
    }),
    env: () => ({ AWS_ACCESS_KEY_ID: 'hang-access-key', AWS_SECRET_ACCESS_KEY: 'hang-secret-key-0000' }),
    requests: ['HEAD /hang-bucket/docker.tar.gz'],
    output: 'uploaded',
  },
  'gs (google-auth-library)': {
    tls: false,
    inputs: () => ({ 'upload-to': 'gs://hang-bucket/docker.tar.gz' }),
    // The Workload Identity Federation exchange hangs at the token endpoint, before any upload.
    env: (s) => ({
      GOOGLE_APPLICATION_CREDENTIALS: federationCredentials(s),
      STORAGE_EMULATOR_HOST: s.url,
    }),
    requests: ['POST /sts/v1/token'],
    output: 'uploaded',
  },
  kubernetes: {
    tls: true,
    inputs: (s) => ({ kubeconfig: kubeconfig(s), 'kubernetes-namespaces': 'apps\nweb' }),
    requests: ['GET /api/v1/namespaces/apps/secrets/regcred', 'GET /api/v1/namespaces/web/secrets/regcred'],
    output: 'kubernetes',
  },
  dcos: {
    tls: true,
    inputs: (s) => ({
      'dcos-url': s.url,
      'dcos-ca-cert': s.ca!.pem,
      'dcos-token': 'hang-dcos-token',
      'dcos-secret-path': 'ci/pull',
    }),
    requests: ['GET /secrets/v1/secret/default/ci/pull'],
    output: 'dcos',
  },
  rapyuta: {
    tls: false,
    inputs: (s) => ({
      'rapyuta-token': 'hang-rio-token',
      'rapyuta-organization': 'org-hang',
      'rapyuta-project': 'project-hang',
      'rapyuta-api-url': s.url,
      'rapyuta-secret-name': 'ci-pull',
    }),
    requests: ['POST /v2/secrets/'],
    output: 'rapyuta',
  },
};

async function timedRun(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const started = performance.now();
  const run = await runAction(inputs, { env, skipPost: true });
  return { run, ms: performance.now() - started };
}

/** Every result of the named output failed with the deadline's message. */
function expectTimedOut(run: ActionRun, output: string): void {
  const value = JSON.parse(run.outputs[output] ?? 'null') as unknown;
  const rows = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row['action'] ?? row['result']).toBe('failed');
    expect(row['message'], JSON.stringify(row)).toBe(TIMED_OUT);
  }
}

/** One target against a hanging server: failed at its deadline, one request per call. */
async function oneTarget(c: Case, server: HangingServer): Promise<void> {
  const { run, ms } = await timedRun({ ...base, ...c.inputs(server) }, c.env?.(server) ?? {});
  expect(run.main.code).not.toBe(0);
  expect(ms).toBeGreaterThanOrEqual(TIMEOUT_S * 1000);
  expect(ms).toBeLessThan(TARGET_BOUND_MS);
  expectTimedOut(run, c.output);
  expect(run.main.stdout).toContain(TIMED_OUT);
  expect(run.summary).toContain(TIMED_OUT);
  expect([...server.requests].sort()).toEqual([...c.requests].sort());
}

describe.concurrent('a server that never answers', () => {
  it.each(Object.entries(CASES))('%s fails at its deadline', async (_name, c) => {
    await withServers([c.tls], ([server]) => oneTarget(c, server!));
  });
});

describe('every server hangs at once', () => {
  it('verification and every target end within the bound, each reported, Marathon skipped and untouched', async () => {
    await withServers([true, true, true, false, false], async ([upload, kube, dcos, rio, registry]) => {
      await everyServer(upload!, kube!, dcos!, rio!, registry!);
    });
  });
});

async function everyServer(
  upload: HangingServer,
  kube: HangingServer,
  dcos: HangingServer,
  rio: HangingServer,
  registry: HangingServer,
): Promise<void> {
  const host = new URL(registry.url).host;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-hang-all-'));
  const definition = `${JSON.stringify({ id: '/app', container: { type: 'MESOS', docker: { image: `${host}/team/app:1` } } }, null, 2)}\n`;
  fs.writeFileSync(path.join(workDir, 'app.json'), definition);
  const started = performance.now();
  const run = await runAction(
    {
      ...base,
      registry: `http://${host}`,
      images: `${host}/team/app:1`,
      verify: 'warn',
      ...CASES['upload']!.inputs(upload),
      ...CASES['kubernetes']!.inputs(kube),
      ...CASES['dcos']!.inputs(dcos),
      ...CASES['rapyuta']!.inputs(rio),
      'marathon-definitions': 'app.json',
    },
    { workDir, env: { NODE_EXTRA_CA_CERTS: upload.ca!.file }, skipPost: true },
  );
  const ms = performance.now() - started;

  // Verification (one deadline) then the targets (concurrently, one deadline), Marathon after DC/OS.
  expect(ms).toBeLessThan(2 * TIMEOUT_S * 1000 + OVERHEAD_MS);
  expect(run.main.code).not.toBe(0);
  const [verdict] = JSON.parse(run.outputs['verification'] ?? '[]') as {
    status: string;
    message: string;
  }[];
  expect(verdict!.status).toBe('unreachable');
  expect(verdict!.message).toContain(`verification ${TIMED_OUT}`);
  const all = ['upload', 'kubernetes', 'dcos', 'rapyuta'].map((name) => CASES[name]!);
  for (const c of all) expectTimedOut(run, c.output);
  expect(registry.requests).toEqual(['GET /v2/']);
  expect([...kube.requests, ...dcos.requests, ...rio.requests, ...upload.requests].sort()).toEqual(
    all.flatMap((c) => c.requests).sort(),
  );
  // Marathon reads the DC/OS outcome: the secret was not stored, so the definition is left alone.
  expect(fs.readFileSync(path.join(workDir, 'app.json'), 'utf8')).toBe(definition);
  expect(JSON.parse(run.outputs['marathon-definitions'] ?? 'null')).toEqual([]);
  // Results in registration order, whatever order the targets ended in.
  const order = ['upload', 'kubernetes', 'dcos', 'rapyuta', 'marathon'];
  const rows = [...run.summary.matchAll(/<tr><td>(upload|kubernetes|dcos|rapyuta|marathon)<\/td>/g)].map(
    (m) => m[1],
  );
  expect([...new Set(rows)]).toEqual(order);
}
