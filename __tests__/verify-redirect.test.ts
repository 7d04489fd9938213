/**
 * A registry behind a redirector, as registry.k8s.io is: every /v2/ request answers 307 to another
 * host. Verification follows (GET/HEAD, across hosts) and must find what skopeo finds, without the
 * redirector's Authorization ever reaching the other host. The backend is the real registry behind
 * a logging reverse proxy (it records whether each request carried Authorization).
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { parseImageReference } from '../src/registry/reference.js';
import { verifyAll } from '../src/registry/verify.js';
import { startFaultProxy, type FaultProxy } from './support/faults.js';
import {
  createTestCA,
  pushImage,
  skopeoInspect,
  startRegistry,
  writeAuthFile,
  type TestCA,
  type TestRegistry,
} from './support/registry.js';
import { issueCert } from './support/tls.js';

interface Redirector {
  host: string;
  /** Requests it answered: method, path, whether Authorization came with it. */
  log: { method: string; path: string; authorization: boolean }[];
  stop(): Promise<void>;
}

const USER = { username: 'puller', password: 'redirector-pw-19' };
const BASIC = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;

/**
 * An HTTPS redirector on 127.0.0.2 sending every request to `target`. With `login`, it first asks
 * for Basic credentials (a private front) and redirects only requests carrying them.
 */
async function startRedirector(ca: TestCA, target: string, login: boolean): Promise<Redirector> {
  const log: Redirector['log'] = [];
  const server = https.createServer(issueCert(ca.dir, 'IP:127.0.0.2'), (req, res) => {
    const authorization = req.headers.authorization;
    log.push({ method: req.method ?? '', path: req.url ?? '', authorization: authorization !== undefined });
    if (login && authorization !== BASIC) {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="redirector"',
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    res.writeHead(307, { location: `${target}${req.url ?? '/'}` });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return {
    host: `127.0.0.2:${(server.address() as AddressInfo).port}`,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

let ca: TestCA;
let registry: TestRegistry;
let backend: FaultProxy;
let open: Redirector;
let guarded: Redirector;
let pushed: string;

beforeAll(async () => {
  ca = await createTestCA();
  // Public content behind the redirect, as registry.k8s.io serves it.
  registry = await startRegistry({ auth: 'none', tls: true, ca });
  pushed = (await pushImage(registry, 'pause:3.10', { platforms: ['linux/amd64', 'linux/arm64'] })).digest;
  backend = await startFaultProxy(registry.url, [], { ca });
  [open, guarded] = await Promise.all([
    startRedirector(ca, backend.url, false),
    startRedirector(ca, backend.url, true),
  ]);
});
afterAll(async () => {
  await Promise.all([open.stop(), guarded.stop(), backend.stop()]);
  await registry.stop();
});

function verify(host: string, credentials: Credential[], platforms = false) {
  return verifyAll(
    {
      mode: 'fail',
      images: [parseImageReference(`${host}/pause:3.10`)],
      platforms: platforms ? [{ os: 'linux', architecture: 'arm64' }] : [],
      tlsVerify: true,
      caCert: ca.caPem,
    },
    credentials,
  );
}

describe('a registry that redirects every /v2/ request to another host', () => {
  it('verifies ok with the digest skopeo sees (anonymous, like registry.k8s.io)', async () => {
    backend.requests.length = 0;
    const [verdict] = await verify(open.host, []);
    expect(verdict).toMatchObject({ status: 'ok', digest: pushed });
    const skopeo = await skopeoInspect({ image: `${open.host}/pause:3.10`, certDir: ca.certDir });
    expect(skopeo.code, skopeo.stderr).toBe(0);
    expect((JSON.parse(skopeo.stdout) as { Digest: string }).Digest).toBe(verdict!.digest);
    // The manifest request really was redirected to the other host.
    expect(open.log.some((r) => r.path === '/v2/pause/manifests/3.10')).toBe(true);
    expect(backend.requests.some((r) => r.path === '/v2/pause/manifests/3.10' && r.status === 200)).toBe(
      true,
    );
  });

  it('follows the index to a platform, still through the redirect', async () => {
    const [verdict] = await verify(open.host, [], true);
    expect(verdict).toMatchObject({
      status: 'ok',
      digest: pushed,
      platforms: ['linux/amd64', 'linux/arm64'],
    });
  });

  it('sends Authorization to the redirector only, never to the host it redirects to', async () => {
    backend.requests.length = 0;
    guarded.log.length = 0;
    const credential: Credential = {
      address: parseRegistry(guarded.host),
      username: USER.username,
      password: USER.password,
    };
    const [verdict] = await verify(guarded.host, [credential]);
    expect(verdict).toMatchObject({ status: 'ok', authScheme: 'basic', digest: pushed });
    expect(guarded.log.some((r) => r.path === '/v2/pause/manifests/3.10' && r.authorization)).toBe(true);
    expect(backend.requests.length).toBeGreaterThan(0);
    expect(backend.requests.filter((r) => r.authorization)).toEqual([]);

    // skopeo, logged in to the redirector, sees the same manifest.
    const auth = await writeAuthFile(guarded.host, USER.username, USER.password);
    const skopeo = await skopeoInspect({
      image: `${guarded.host}/pause:3.10`,
      certDir: ca.certDir,
      authFile: auth.file,
    });
    expect(skopeo.code, skopeo.stderr).toBe(0);
    expect((JSON.parse(skopeo.stdout) as { Digest: string }).Digest).toBe(verdict!.digest);
  });
});
