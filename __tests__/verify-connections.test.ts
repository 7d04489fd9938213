/**
 * How verification uses connections, counted by a TCP proxy in front of a real registry with token
 * auth (through a counting front that offers HTTP/2 like the registry, or HTTP/1.1 only): over
 * HTTP/2 every request shares one connection; over HTTP/1.1 connections stay open after a HEAD and
 * are reused, at most 16 at once; a token server on a host of its own gets one request, on one
 * HTTP/1.1 connection, for every repository.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { parseImageReference } from '../src/registry/reference.js';
import type { VerificationPlan } from '../src/registry/types.js';
import { registryDispatcher, verifyAll } from '../src/registry/verify.js';
import { startFaultProxy, startLatencyProxy, type FaultProxy, type LatencyProxy } from './support/faults.js';
import { pushImage, startRegistry, type TestRegistry } from './support/registry.js';

const users = { ci: 'connections-test-pw' };
let registry: TestRegistry;
const fronts: { front: FaultProxy; tcp: LatencyProxy }[] = [];

async function front(http2: boolean) {
  const f = await startFaultProxy(registry.url, [], { ca: registry.ca!, http2 });
  const tcp = await startLatencyProxy(f.host, 0);
  fronts.push({ front: f, tcp });
  return { front: f, tcp };
}

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', tls: true, users });
  await Promise.all([
    ...['1', '2', '3', '4'].map((tag) => pushImage(registry, `team/app:${tag}`)),
    ...['api', 'web', 'worker'].map((repo) => pushImage(registry, `team/${repo}:1`)),
  ]);
}, 60_000);
afterAll(async () => {
  for (const { front: f, tcp } of fronts) await Promise.all([tcp.stop(), f.stop()]);
  await registry.stop();
});

function plan(host: string, count: number): VerificationPlan {
  return {
    mode: 'fail',
    images: Array.from({ length: count }, (_, i) => parseImageReference(`${host}/team/app:${(i % 4) + 1}`)),
    platforms: [],
    tlsVerify: true,
    caCert: registry.ca!.caPem,
  };
}

const credentials = (host: string): Credential[] => [
  { address: parseRegistry(host), username: 'ci', password: users.ci },
];

describe('connections', () => {
  it('HTTP/2: 40 images, one connection for the ping and every manifest request', async () => {
    const { front: f, tcp } = await front(true);
    const verdicts = await verifyAll(plan(tcp.host, 40), credentials(tcp.host));
    expect(verdicts.map((v) => v.status)).toEqual(Array(40).fill('ok'));
    expect(tcp.connections).toBe(1);
    expect(f.requests.filter((r) => r.method === 'HEAD')).toHaveLength(40);
  });

  it('HTTP/1.1: at most 16 connections, kept open after HEAD and reused by the next verification', async () => {
    const { front: f, tcp } = await front(false);
    const dispatcher = registryDispatcher({ tlsVerify: true, caCert: registry.ca!.caPem });
    try {
      const first = await verifyAll(plan(tcp.host, 40), credentials(tcp.host), { dispatcher });
      expect(first.map((v) => v.status)).toEqual(Array(40).fill('ok'));
      const opened = tcp.connections;
      expect(opened).toBeGreaterThan(1);
      expect(opened).toBeLessThanOrEqual(16);
      const second = await verifyAll(plan(tcp.host, 8), credentials(tcp.host), { dispatcher });
      expect(second.map((v) => v.status)).toEqual(Array(8).fill('ok'));
      expect(tcp.connections).toBe(opened);
      expect(f.requests.filter((r) => r.method === 'HEAD')).toHaveLength(48);
    } finally {
      await dispatcher.close();
    }
  });

  it('a token server of its own: one connection and one request for every repository', async () => {
    const tokenOrigin = new URL(registry.tokenUrl!).origin;
    const events: string[] = [];
    const record = (kind: string) => (message: unknown) => {
      const { connectParams } = message as { connectParams: { protocol: string; host: string } };
      if (`${connectParams.protocol}//${connectParams.host}` === tokenOrigin) events.push(kind);
    };
    const tokensBefore = registry.tokenLog.length;
    const before = record('connecting');
    const after = record('connected');
    diagnostics.subscribe('undici:client:beforeConnect', before);
    diagnostics.subscribe('undici:client:connected', after);
    try {
      const images = ['api', 'web', 'worker'].map((repo) => `${registry.host}/team/${repo}:1`);
      const verdicts = await verifyAll(
        {
          mode: 'fail',
          images: images.map((i) => parseImageReference(i)),
          platforms: [],
          tlsVerify: true,
          caCert: registry.ca!.caPem,
        },
        credentials(registry.host),
      );
      expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok', 'ok']);
    } finally {
      diagnostics.unsubscribe('undici:client:beforeConnect', before);
      diagnostics.unsubscribe('undici:client:connected', after);
    }
    expect(events).toEqual(['connecting', 'connected']);
    expect(registry.tokenLog.slice(tokensBefore).map((t) => t.scopes)).toEqual([
      ['repository:team/api:pull', 'repository:team/web:pull', 'repository:team/worker:pull'],
    ]);
  });
});
