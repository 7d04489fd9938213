/**
 * Proxies as on corporate runners: HTTPS_PROXY tunnels (CONNECT) to TLS registries, HTTP_PROXY
 * forwards plain-HTTP registries, NO_PROXY bypasses both. A real forward proxy on loopback logs
 * what went through it.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { parseImageReference } from '../src/registry/reference.js';
import { verifyAll } from '../src/registry/verify.js';
import { startFaultProxy } from './support/faults.js';
import { startForwardProxy, setProxyEnv as setEnv, type ForwardProxy } from './support/forward-proxy.js';
import { pushImage, startRegistry, type TestRegistry } from './support/registry.js';

let restore: (() => void) | undefined;
function setProxyEnv(values: Record<string, string>): void {
  restore?.();
  restore = setEnv(values);
}
afterEach(() => {
  restore?.();
  restore = undefined;
});

let tlsRegistry: TestRegistry;
let httpRegistry: TestRegistry;
let proxy: ForwardProxy;
const users = { ci: 'proxy-test-pw' };

beforeAll(async () => {
  [tlsRegistry, httpRegistry, proxy] = await Promise.all([
    startRegistry({ auth: 'htpasswd', tls: true, users }),
    startRegistry({ auth: 'htpasswd', tls: false, users }),
    startForwardProxy(),
  ]);
  await Promise.all([pushImage(tlsRegistry, 'team/app:1'), pushImage(httpRegistry, 'team/app:1')]);
});
afterAll(async () => {
  await Promise.all([tlsRegistry.stop(), httpRegistry.stop(), proxy.stop()]);
});

function check(registry: TestRegistry, scheme: 'https' | 'http', host = registry.host, copies = 1) {
  const credentials: Credential[] = [
    { address: parseRegistry(`${scheme}://${host}`), username: 'ci', password: users.ci },
  ];
  return verifyAll(
    {
      mode: 'fail',
      images: Array.from({ length: copies }, () => parseImageReference(`${host}/team/app:1`)),
      platforms: [],
      tlsVerify: true,
      ...(registry.ca ? { caCert: registry.ca.caPem } : {}),
    },
    credentials,
  );
}

/** The ALPN protocol of every TLS connection undici opens while `work` runs (not the proxy's own). */
async function protocols<T>(work: () => Promise<T>): Promise<{ result: T; alpn: string[] }> {
  const alpn: string[] = [];
  const listener = (message: unknown) => {
    const { connectParams, socket } = message as {
      connectParams: { protocol: string };
      socket: { alpnProtocol?: string | false };
    };
    if (connectParams.protocol === 'https:') alpn.push(socket.alpnProtocol || 'none');
  };
  diagnostics.subscribe('undici:client:connected', listener);
  try {
    return { result: await work(), alpn };
  } finally {
    diagnostics.unsubscribe('undici:client:connected', listener);
  }
}

describe('proxies', () => {
  it('HTTPS_PROXY tunnels to a TLS registry, with the extra CA still trusted inside the tunnel', async () => {
    proxy.log.length = 0;
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const [verdict] = await check(tlsRegistry, 'https');
    expect(verdict).toMatchObject({ status: 'ok' });
    expect(proxy.log).toContain(`CONNECT ${tlsRegistry.host}`);
  });

  it('HTTP/2 goes through the CONNECT tunnel (ALPN inside it): every request on one connection', async () => {
    proxy.log.length = 0;
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const { result, alpn } = await protocols(() => check(tlsRegistry, 'https', tlsRegistry.host, 4));
    expect(result.map((v) => v.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(alpn).toEqual(['h2']);
    expect(proxy.log).toEqual([`CONNECT ${tlsRegistry.host}`]);
  });

  it('a server offering only HTTP/1.1 through the tunnel: falls back to it and verifies', async () => {
    const front = await startFaultProxy(tlsRegistry.url, [], { ca: tlsRegistry.ca! });
    try {
      proxy.log.length = 0;
      setProxyEnv({ HTTPS_PROXY: proxy.url });
      const { result, alpn } = await protocols(() => check(tlsRegistry, 'https', front.host, 4));
      expect(result.map((v) => v.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(alpn.length).toBeGreaterThan(0);
      expect(new Set(alpn)).toEqual(new Set(['http/1.1']));
      expect(proxy.log.every((l) => l === `CONNECT ${front.host}`)).toBe(true);
      expect(front.requests.filter((r) => r.path.includes('/manifests/'))).toHaveLength(4);
    } finally {
      await front.stop();
    }
  });

  it('HTTP_PROXY forwards a plain-HTTP registry', async () => {
    proxy.log.length = 0;
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const [verdict] = await check(httpRegistry, 'http');
    expect(verdict).toMatchObject({ status: 'ok' });
    expect(proxy.log).toContain(`GET http://${httpRegistry.host}/v2/`);
    expect(
      proxy.log.some((l) => l.startsWith(`HEAD http://${httpRegistry.host}/v2/team/app/manifests/1`)),
    ).toBe(true);
  });

  it('NO_PROXY bypasses the proxy', async () => {
    proxy.log.length = 0;
    setProxyEnv({ HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    const verdicts = [...(await check(tlsRegistry, 'https')), ...(await check(httpRegistry, 'http'))];
    expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok']);
    expect(proxy.log).toEqual([]);
  });
});
