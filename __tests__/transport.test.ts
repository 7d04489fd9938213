/**
 * The shared transport against real servers on loopback: one retry classification (table-driven),
 * timeouts, Retry-After, caller deadlines, redirects with Authorization dropped across hosts, trust
 * scopes, TLS failures each with their own message, and the NO_PROXY rules the SDK agents and the
 * Kubernetes client share.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { proxyFor, TunnelingHttpAgent, TunnelingHttpsAgent } from '../src/http/proxy.js';
import { createClient, TransportError, type ClientOptions, type HttpMethod } from '../src/http/transport.js';
import { withEnvironmentProxy } from '../src/targets/kubernetes/apply.js';
import { setProxyEnv, startForwardProxy } from './support/forward-proxy.js';
import { createTestCA, type TestCA } from './support/registry.js';
import { issueCert } from './support/tls.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

interface Server {
  origin: string;
  host: string;
  /** Requests received (method path authorization?). */
  requests: { method: string; path: string; authorization?: string }[];
  /** TCP connections accepted. */
  connections: number;
  handle(handler: Handler): void;
  stop(): Promise<void>;
}

async function serve(
  options: { tls?: { cert: string; key: string }; address?: string } = {},
): Promise<Server> {
  let handler: Handler = (_req, res) => res.end('ok');
  const requests: Server['requests'] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handler(req, res, requests.length);
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  const address = options.address ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const host = `${address}:${(server.address() as AddressInfo).port}`;
  return {
    origin: `${options.tls ? 'https' : 'http'}://${host}`,
    host,
    requests,
    get connections() {
      return state.connections;
    },
    handle(h) {
      handler = h;
      requests.length = 0;
      state.connections = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const FAST = { attempts: 3, baseMs: 1, maxDelayMs: 20 };
const client = (options: ClientOptions = {}) => createClient({ retry: FAST, ...options });

let plain: Server;
let other: Server;
beforeAll(async () => {
  [plain, other] = await Promise.all([serve(), serve({ address: '127.0.0.2' })]);
});
afterAll(async () => {
  await Promise.all([plain.stop(), other.stop()]);
});

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransportError) return error;
    throw error;
  }
  throw new Error('the request succeeded');
}

describe('retry classification', () => {
  it.each([
    [408, 3],
    [429, 3],
    [500, 3],
    [503, 3],
    [400, 1],
    [401, 1],
    [403, 1],
    [404, 1],
  ])('GET answered %i: %i attempt(s), the last answer returned', async (status, attempts) => {
    plain.handle((_req, res) => {
      res.writeHead(status).end();
    });
    const c = client();
    const response = await c.request({ method: 'GET', url: `${plain.origin}/x` });
    await c.close();
    expect(response).toMatchObject({ status, attempts });
    expect(plain.requests).toHaveLength(attempts);
  });

  it.each<[HttpMethod, boolean | undefined, number]>([
    ['PUT', undefined, 3],
    ['DELETE', undefined, 3],
    ['POST', undefined, 1],
    ['PATCH', undefined, 1],
    ['POST', true, 3],
    ['GET', false, 1],
  ])('%s (idempotent: %s) answered 503: %i attempt(s)', async (method, idempotent, attempts) => {
    plain.handle((_req, res) => {
      res.writeHead(503).end();
    });
    const c = client();
    const response = await c.request({
      method,
      url: `${plain.origin}/w`,
      body: 'x',
      ...(idempotent === undefined ? {} : { idempotent }),
    });
    await c.close();
    expect(response.status).toBe(503);
    expect(plain.requests).toHaveLength(attempts);
  });

  it('a transient answer then a good one: the good one, after two attempts', async () => {
    plain.handle((_req, res, n) => {
      res.writeHead(n === 1 ? 502 : 200).end('fine');
    });
    const c = client();
    const response = await c.request({ method: 'GET', url: `${plain.origin}/y` });
    await c.close();
    expect(response).toMatchObject({ status: 200, attempts: 2 });
    expect(response.body.toString()).toBe('fine');
  });

  it('a dropped connection is retried', async () => {
    plain.handle((req, res, n) => {
      if (n === 1) req.socket.destroy();
      else res.end('after reset');
    });
    const c = client();
    const response = await c.request({ method: 'GET', url: `${plain.origin}/r` });
    await c.close();
    expect(response).toMatchObject({ status: 200, attempts: 2 });
  });

  it('a request that timed out is retried once at most', async () => {
    plain.handle(() => {
      // never answers
    });
    const c = client({ retry: { attempts: 5, baseMs: 1, maxDelayMs: 5 } });
    const error = await failure(c.request({ method: 'GET', url: `${plain.origin}/slow`, timeoutMs: 150 }));
    await c.close();
    expect(error.failure.kind).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(plain.requests).toHaveLength(2);
    expect(error.message).toMatch(/did not answer in time/);
  });

  it('Retry-After is honoured up to the bound', async () => {
    plain.handle((_req, res, n) => {
      res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '3600' } : {}).end();
    });
    const c = client({ retry: { attempts: 3, baseMs: 1, maxDelayMs: 300 } });
    const started = Date.now();
    const response = await c.request({ method: 'GET', url: `${plain.origin}/ra` });
    const elapsed = Date.now() - started;
    await c.close();
    expect(response.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  it('Retry-After below the bound is waited for, not the shorter backoff', async () => {
    plain.handle((_req, res, n) => {
      res.writeHead(n === 1 ? 503 : 200, n === 1 ? { 'retry-after': '1' } : {}).end();
    });
    const c = client({ retry: { attempts: 3, baseMs: 1, maxDelayMs: 5000 } });
    const started = Date.now();
    await c.request({ method: 'GET', url: `${plain.origin}/ra1` });
    await c.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("the caller's signal ends the request without a retry", async () => {
    plain.handle(() => {
      // never answers
    });
    const c = client({ retry: { attempts: 5, baseMs: 1, maxDelayMs: 5 } });
    const error = await failure(
      c.request({ method: 'GET', url: `${plain.origin}/deadline`, signal: AbortSignal.timeout(100) }),
    );
    await c.close();
    expect(error.failure.kind).toBe('aborted');
    expect(plain.requests).toHaveLength(1);
  });

  it('a refused connection is not transient', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => {
          resolve(p);
        });
      });
    });
    const c = client();
    const error = await failure(c.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }));
    expect(error).toMatchObject({ attempts: 1, failure: { kind: 'unreachable', code: 'ECONNREFUSED' } });
  });
});

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'GET follows %i to another host without Authorization',
    async (status) => {
      other.handle((_req, res) => res.end('moved here'));
      plain.handle((req, res) => {
        res.writeHead(status, { location: `${other.origin}/there${req.url ?? ''}` }).end();
      });
      const c = client();
      const response = await c.request({
        method: 'GET',
        url: `${plain.origin}/v2/`,
        headers: { authorization: 'Bearer secret-token', accept: 'application/json' },
        redirects: 5,
      });
      await c.close();
      expect(response).toMatchObject({ status: 200, url: `${other.origin}/there/v2/` });
      expect(plain.requests).toEqual([{ method: 'GET', path: '/v2/', authorization: 'Bearer secret-token' }]);
      expect(other.requests).toEqual([{ method: 'GET', path: '/there/v2/' }]);
    },
  );

  it('keeps Authorization on the same origin', async () => {
    plain.handle((req, res) => {
      if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
      else res.end('b');
    });
    const c = client();
    await c.request({
      method: 'HEAD',
      url: `${plain.origin}/a`,
      headers: { authorization: 'Basic x' },
      redirects: 5,
    });
    await c.close();
    expect(plain.requests).toEqual([
      { method: 'HEAD', path: '/a', authorization: 'Basic x' },
      { method: 'HEAD', path: '/b', authorization: 'Basic x' },
    ]);
  });

  it.each<[HttpMethod, number | undefined]>([
    ['PUT', 5],
    ['POST', 5],
    ['GET', undefined],
  ])('%s with redirects %s: the 307 is returned, not followed', async (method, redirects) => {
    plain.handle((_req, res) => {
      res.writeHead(307, { location: `${other.origin}/elsewhere` }).end();
    });
    other.handle((_req, res) => res.end());
    const c = client();
    const response = await c.request({
      method,
      url: `${plain.origin}/upload`,
      ...(redirects === undefined ? {} : { redirects }),
    });
    await c.close();
    expect(response.status).toBe(307);
    expect(other.requests).toEqual([]);
  });

  it('stops after the bound', async () => {
    plain.handle((req, res) => {
      res.writeHead(302, { location: `/loop${String(Number(req.url?.slice(5) || 0) + 1)}` }).end();
    });
    const c = client();
    const error = await failure(c.request({ method: 'GET', url: `${plain.origin}/loop0`, redirects: 5 }));
    await c.close();
    expect(error.failure.code).toBe('ERR_TOO_MANY_REDIRECTS');
    expect(plain.requests).toHaveLength(6);
  });
});

describe('TLS: trust scopes and a message per cause', () => {
  let ca: TestCA;
  let otherCa: TestCA;
  const servers: Record<string, Server> = {};
  beforeAll(async () => {
    [ca, otherCa] = await Promise.all([createTestCA(), createTestCA()]);
    const certs = {
      good: issueCert(ca.dir, 'IP:127.0.0.1'),
      wrongHost: issueCert(ca.dir, 'DNS:registry.internal.example,DNS:*.internal.example'),
      expired: issueCert(ca.dir, 'IP:127.0.0.1', -1),
      notYetValid: issueCert(ca.dir, 'IP:127.0.0.1', 2, 1),
      unknownCa: issueCert(otherCa.dir, 'IP:127.0.0.1'),
    };
    for (const [name, tls] of Object.entries(certs)) servers[name] = await serve({ tls });
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  it('trusts a CA for the client it was given to only', async () => {
    const scoped = client({ ca: ca.caPem, caInput: 'ca-cert' });
    expect((await scoped.request({ method: 'GET', url: servers.good!.origin })).status).toBe(200);
    const unscoped = client({ caInput: 'dcos-ca-cert', what: 'the DC/OS cluster' });
    const error = await failure(unscoped.request({ method: 'GET', url: servers.good!.origin }));
    await Promise.all([scoped.close(), unscoped.close()]);
    expect(error.failure.kind).toBe('untrusted');
    expect(error.message).toBe(
      `the certificate of the DC/OS cluster ${servers.good!.host} is not trusted (${error.failure.code}): ` +
        'give its CA certificate in the dcos-ca-cert input',
    );
  });

  it.each([
    [
      'wrongHost',
      'hostname',
      /is for registry\.internal\.example, \*\.internal\.example, not 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    ],
    [
      'expired',
      'expired',
      /has expired \(valid until \w{3} +\d+ [\d:]+ \d{4} GMT\) \(CERT_HAS_EXPIRED\): the server must renew it/,
    ],
    [
      'notYetValid',
      'not-yet-valid',
      /is not valid yet \(valid from \w{3} +\d+ [\d:]+ \d{4} GMT\) \(CERT_NOT_YET_VALID\): check the clocks/,
    ],
    [
      'unknownCa',
      'untrusted',
      /is not trusted \(\w+\): it is not signed by the CA in ca-cert nor by a system CA/,
    ],
  ])('%s → %s, once (never retried)', async (name, kind, message) => {
    const server = servers[name]!;
    server.handle((_req, res) => res.end());
    const c = client({ ca: ca.caPem, caInput: 'ca-cert', what: 'the registry' });
    const error = await failure(c.request({ method: 'GET', url: `${server.origin}/v2/` }));
    await c.close();
    expect(error.failure.kind).toBe(kind);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`the certificate of the registry ${server.host}`);
    expect(error.attempts).toBe(1);
    // Never retried; for the dates of a certificate out of its validity, one more handshake reads it.
    expect(server.connections).toBe(kind === 'expired' || kind === 'not-yet-valid' ? 2 : 1);
    expect(server.requests).toEqual([]);
  });

  it('a plain-HTTP server on an https:// URL: write http://', async () => {
    const c = client();
    const error = await failure(c.request({ method: 'GET', url: `https://${plain.host}/` }));
    await c.close();
    expect(error.failure.kind).toBe('plain-http');
    expect(error.message).toMatch(new RegExp(`write the URL as http://${plain.host.replace(/\./g, '\\.')}$`));
    expect(error.attempts).toBe(1);
  });
});

describe('proxy choice (the SDK agents and the Kubernetes client)', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it.each([
    [{ HTTPS_PROXY: 'http://p:3128' }, 'https://a.example/x', 'http://p:3128'],
    [{ https_proxy: 'http://lower:1' }, 'https://a.example', 'http://lower:1'],
    [{ HTTP_PROXY: 'http://p:3128' }, 'https://a.example', 'http://p:3128'],
    [{ HTTPS_PROXY: 'http://p:3128' }, 'http://a.example', undefined],
    [{ HTTP_PROXY: 'http://h:8080' }, 'http://127.0.0.1:9000', 'http://h:8080'],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.example' }, 'https://a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example' }, 'https://b.a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.example' }, 'https://a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.example' }, 'https://example', 'http://p:1'],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example' }, 'https://a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.example:8443' }, 'https://a.example', 'http://p:1'],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.example:443' }, 'https://a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', no_proxy: '*' }, 'https://a.example', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: 'other, 127.0.0.1' }, 'https://127.0.0.1:6443', undefined],
    [{ HTTPS_PROXY: 'http://p:1', NO_PROXY: '::1' }, 'https://[::1]:6443', undefined],
    [{}, 'https://a.example', undefined],
  ])('%j: %s → %s', (env, url, expected) => {
    restore = setProxyEnv(env);
    expect(proxyFor(url)).toBe(expected);
  });

  it.each([
    [
      'the cluster proxy-url wins over the environment',
      'http://cluster-proxy:3128',
      {},
      'http://cluster-proxy:3128',
    ],
    ['else HTTPS_PROXY', undefined, {}, 'http://env-proxy:8080'],
    ['NO_PROXY naming the server: direct', undefined, { NO_PROXY: 'api.cluster.example' }, undefined],
  ])('Kubernetes: %s', (_name, proxyUrl, extra, expected) => {
    restore = setProxyEnv({ HTTPS_PROXY: 'http://env-proxy:8080', ...extra });
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: 'c', server: 'https://api.cluster.example:6443', ...(proxyUrl ? { proxyUrl } : {}) },
      ],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const cluster = withEnvironmentProxy(kc, kc.getCurrentCluster());
    expect(cluster?.proxyUrl).toBe(expected);
    expect(kc.getCurrentCluster()?.proxyUrl).toBe(expected);
  });

  /** GET through a Node agent, as the AWS SDK's handler does. */
  const get = (url: string, agent: http.Agent) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = (url.startsWith('https:') ? https : http).get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      request.on('error', reject);
    });

  it('the SDK agents tunnel through the proxy (TLS inside the tunnel, with their own CA), or go direct by NO_PROXY', async () => {
    const [proxy, ca] = await Promise.all([startForwardProxy(), createTestCA()]);
    const secure = await serve({ tls: issueCert(ca.dir, 'IP:127.0.0.1') });
    secure.handle((_req, res) => res.end('through'));
    plain.handle((_req, res) => res.end('plain'));
    try {
      restore = setProxyEnv({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
      const httpsAgent = new TunnelingHttpsAgent({ ca: ca.caPem });
      const httpAgent = new TunnelingHttpAgent();
      expect(await get(`${secure.origin}/o`, httpsAgent)).toEqual({ status: 200, body: 'through' });
      expect(await get(`${plain.origin}/o`, httpAgent)).toEqual({ status: 200, body: 'plain' });
      expect(proxy.log).toEqual([`CONNECT ${secure.host}`, `CONNECT ${plain.host}`]);
      httpsAgent.destroy();
      httpAgent.destroy();

      restore();
      restore = setProxyEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      proxy.log.length = 0;
      const direct = new TunnelingHttpsAgent({ ca: ca.caPem });
      expect(await get(`${secure.origin}/o`, direct)).toEqual({ status: 200, body: 'through' });
      expect(proxy.log).toEqual([]);
      direct.destroy();
    } finally {
      await Promise.all([proxy.stop(), secure.stop()]);
    }
  });
});
