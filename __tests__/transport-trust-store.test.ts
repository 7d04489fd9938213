/**
 * A trust scope's store: the process's default roots (here replaced by one test CA through
 * tls.setDefaultCACertificates, as NODE_EXTRA_CA_CERTS or --use-system-ca would extend them) plus the
 * scope's own `ca`. Both ways of building it trust exactly the same servers. This file changes the
 * process's default roots, so it runs in a process of its own (vitest's forks pool).
 */
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secureContextListing, secureContextWith } from '../src/http/transport.js';
import { createTestCA, type TestCA } from './support/registry.js';
import { issueCert } from './support/tls.js';

let scopeCa: TestCA;
let defaultCa: TestCA;
let strangerCa: TestCA;
const servers: Record<'scope' | 'default' | 'stranger', { port: number; close: () => void }> = {} as never;

beforeAll(async () => {
  [scopeCa, defaultCa, strangerCa] = await Promise.all([createTestCA(), createTestCA(), createTestCA()]);
  tls.setDefaultCACertificates([defaultCa.caPem]);
  const cas = { scope: scopeCa, default: defaultCa, stranger: strangerCa };
  for (const [name, ca] of Object.entries(cas)) {
    const cert = issueCert(ca.dir, 'IP:127.0.0.1');
    const server = https.createServer({ cert: cert.cert, key: cert.key }, (_req, res) => {
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers[name as keyof typeof servers] = {
      port: (server.address() as AddressInfo).port,
      close: () => server.close(),
    };
  }
});
afterAll(() => {
  for (const server of Object.values(servers)) server.close();
});

/** Whether a TLS handshake with `context` accepts the server's certificate. */
function trusts(context: tls.SecureContext, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      secureContext: context,
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      resolve(socket.authorized);
      socket.destroy();
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

describe.each([
  ['the default roots plus ca (the path taken)', secureContextWith],
  ['a ca list of the default roots and ca (the fallback)', secureContextListing],
])('trust store: %s', (_name, build) => {
  it.each([
    ['scope', true],
    ['default', true],
    ['stranger', false],
  ] as const)('server signed by the %s CA: trusted %s', async (server, trusted) => {
    const context = build(scopeCa.caPem);
    expect(await trusts(context, servers[server].port)).toBe(trusted);
  });
});

it('the default roots plus ca is built on the native context (no root parsed again)', () => {
  const context = tls.createSecureContext() as unknown as { context?: { addCACert?: unknown } };
  expect(typeof context.context?.addCACert).toBe('function');
});
