/**
 * Every connection of a run goes through HTTPS_PROXY / HTTP_PROXY, whichever client makes it:
 * registry verification and its token server (our transport), the https:// upload and gs:// (our
 * transport, google-auth-library's token exchange), s3:// (the AWS SDK), DC/OS and rapyuta.io (our
 * transport) and Kubernetes (@kubernetes/client-node). The built action runs with a preload that
 * logs the address of every TCP connection it opens, so a direct connection by any library shows.
 * With NO_PROXY naming the loopback address, none goes through the proxy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT, runAction } from './support/action.js';
import { FakeDcos, selfSignedCert } from './support/fake-dcos.js';
import { startFakeGcs, type FakeGcs } from './support/fake-gcs.js';
import { FakeKube } from './support/fake-kube.js';
import { FakeRapyuta } from './support/fake-rapyuta.js';
import { startForwardProxy, type ForwardProxy } from './support/forward-proxy.js';
import { DEPLOY_TOKEN, startHttpsPutServer, type HttpsPutServer } from './support/https-put-server.js';
import { pushImage, startRegistry, type TestRegistry } from './support/registry.js';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3, type TestS3 } from './support/s3-server.js';

const PASSWORD = 'proxy-Registry-Pw-42';
const DCOS_PASSWORD = 'proxy-Dcos-Pw-77';
const PRELOAD = path.join(ROOT, '__tests__/support/connect-log.mjs');

let proxy: ForwardProxy;
let registry: TestRegistry;
let put: HttpsPutServer;
let gcs: FakeGcs;
let s3: TestS3;
let dcos: FakeDcos;
let rapyuta: FakeRapyuta;
let kube: FakeKube;
const dcosTls = selfSignedCert();

beforeAll(async () => {
  [proxy, registry, put, gcs, s3, kube] = await Promise.all([
    startForwardProxy(),
    startRegistry({ auth: 'token', tls: true, users: { deployer: PASSWORD } }),
    startHttpsPutServer(),
    startFakeGcs(),
    startS3(['mesos-config']),
    FakeKube.start({ namespaces: ['apps'] }),
  ]);
  await pushImage(registry, 'team/app:1');
  gcs.buckets.set('ci-bucket', new Map());
  dcos = new FakeDcos();
  dcos.addUser('ci-deployer', DCOS_PASSWORD);
  await dcos.start(dcosTls);
  rapyuta = new FakeRapyuta();
  await rapyuta.start();
});

afterAll(async () => {
  await Promise.all([
    proxy.stop(),
    registry.stop(),
    put.stop(),
    gcs.stop(),
    s3.stop(),
    dcos.stop(),
    rapyuta.stop(),
    kube.stop(),
  ]);
});

/** The fake's kubeconfig with `proxy-url` on its cluster. */
function kubeconfigWithProxy(proxyUrl: string): string {
  const config = parse(kube.kubeconfig([{ name: 'preview' }])) as {
    clusters: { cluster: Record<string, string> }[];
  };
  for (const { cluster } of config.clusters) cluster['proxy-url'] = proxyUrl;
  return stringify(config);
}

function inputs(): Record<string, string> {
  return {
    registry: registry.host,
    username: 'deployer',
    password: PASSWORD,
    email: 'deployer@example.com',
    images: `${registry.host}/team/app:1`,
    'ca-cert': registry.ca!.caPem,
    'upload-to': [
      's3://mesos-config/ci/docker.tar.gz',
      `${put.origin}/artifactory/generic-local/ci/docker.tar.gz`,
      'gs://ci-bucket/ci/docker.tar.gz',
    ].join('\n'),
    'upload-headers': `Authorization: Bearer ${DEPLOY_TOKEN}`,
    's3-endpoint': s3.endpoint,
    's3-force-path-style': 'true',
    'dcos-url': dcos.url,
    'dcos-ca-cert': dcosTls.cert,
    'dcos-uid': 'ci-deployer',
    'dcos-password': DCOS_PASSWORD,
    'dcos-secret-path': 'ci/pullConfig',
    'rapyuta-token': rapyuta.token,
    'rapyuta-organization': rapyuta.organization,
    'rapyuta-project': rapyuta.project,
    'rapyuta-secret-name': 'team-pull',
    'rapyuta-api-url': rapyuta.url,
    kubeconfig: kube.kubeconfig([{ name: 'preview' }]),
    'kubernetes-namespaces': 'apps',
  };
}

/** Runs the action with these proxy variables; the addresses it connected to, and the outputs. */
async function run(proxyEnv: Record<string, string>, extra: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pc-proxy-'));
  const log = path.join(dir, 'connections.log');
  fs.writeFileSync(log, '');
  const result = await runAction(
    { ...inputs(), ...extra },
    {
      workDir: dir,
      skipPost: true,
      env: {
        ...proxyEnv,
        NODE_OPTIONS: `--import=${PRELOAD}`,
        CONNECT_LOG: log,
        AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
        NODE_EXTRA_CA_CERTS: put.ca.caFile,
        STORAGE_EMULATOR_HOST: gcs.base,
        GOOGLE_APPLICATION_CREDENTIALS: gcs.credentialsFile,
      },
    },
  );
  const connections = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  fs.rmSync(dir, { recursive: true, force: true });
  return { result, connections };
}

const hostOf = (url: string): string => new URL(url).host;

describe('proxies for every client', () => {
  it('HTTPS_PROXY / HTTP_PROXY: every connection of the run goes through the proxy', async () => {
    proxy.log.length = 0;
    const { result, connections } = await run({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
    expect(result.main.code, result.main.stdout).toBe(0);
    expect(result.outputs['verified']).toBe('true');
    expect(JSON.parse(result.outputs['uploaded'] ?? '[]')).toEqual([
      { uri: 's3://mesos-config/ci/docker.tar.gz', result: 'written' },
      { uri: `${put.origin}/artifactory/generic-local/ci/docker.tar.gz`, result: 'written' },
      { uri: 'gs://ci-bucket/ci/docker.tar.gz', result: 'written' },
    ]);
    expect(JSON.parse(result.outputs['dcos'] ?? '{}')).toMatchObject({ action: 'created' });
    expect(JSON.parse(result.outputs['rapyuta'] ?? '[]')).toMatchObject([{ action: 'created' }]);
    expect(JSON.parse(result.outputs['kubernetes'] ?? '[]')).toMatchObject([{ action: 'created' }]);

    // The action opened connections to the proxy only…
    expect(connections.length).toBeGreaterThan(0);
    expect(new Set(connections)).toEqual(new Set([proxy.host]));
    // …and through it reached every server of the run.
    const reached = new Set(proxy.targets());
    for (const host of [
      registry.host,
      hostOf(registry.tokenUrl!),
      hostOf(put.origin),
      hostOf(gcs.base),
      hostOf(s3.endpoint),
      hostOf(dcos.url),
      hostOf(rapyuta.url),
      hostOf(kube.url),
    ]) {
      expect(reached, host).toContain(host);
    }
  });

  it('NO_PROXY naming the servers: no connection goes through the proxy', async () => {
    proxy.log.length = 0;
    const { result, connections } = await run({
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1',
    });
    expect(result.main.code, result.main.stdout).toBe(0);
    expect(result.outputs['verified']).toBe('true');
    expect(proxy.log).toEqual([]);
    expect(connections).not.toContain(proxy.host);
    expect(connections).toContain(registry.host);
  });

  it("a kubeconfig cluster's proxy-url is used for that cluster alone, as kubectl does", async () => {
    proxy.log.length = 0;
    const { result, connections } = await run({}, { kubeconfig: kubeconfigWithProxy(proxy.url) });
    expect(result.main.code, result.main.stdout).toBe(0);
    const [kubeResult] = JSON.parse(result.outputs['kubernetes'] ?? '[]') as { action: string }[];
    expect(['created', 'unchanged']).toContain(kubeResult?.action);
    expect(new Set(proxy.targets())).toEqual(new Set([hostOf(kube.url)]));
    expect(connections).toContain(proxy.host);
    expect(connections).not.toContain(hostOf(kube.url));
    expect(connections).toContain(registry.host);
  });
});
