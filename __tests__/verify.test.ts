/**
 * verifyAll against real registries (distribution 2.8): htpasswd over TLS from a test CA, token
 * auth over TLS, htpasswd over plain HTTP. Every case is checked against skopeo with the same
 * credentials and trust: skopeo succeeds ⇔ our verdict is ok, and our digest is sha256 of its raw
 * manifest.
 */
import * as fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/credentials/address.js';
import type { Credential } from '../src/credentials/documents.js';
import { parseImageReference } from '../src/registry/reference.js';
import type { Platform, VerdictStatus, VerificationPlan } from '../src/registry/types.js';
import { indexPlatforms, platformMatches, verifyAll, type VerifyOptions } from '../src/registry/verify.js';
import { closedPort, startFaultProxy, type Fault, type FaultProxy } from './support/faults.js';
import {
  createTestCA,
  pushImage,
  sha256Digest,
  skopeoInspect,
  startRegistry,
  writeAuthFile,
  type MultiScope,
  type TestCA,
  type TestRegistry,
} from './support/registry.js';

const USERS = { alice: 'alice-secret-pw', bob: 'bob-secret-pw' };
// bob may pull team/app only (enforced in token mode; htpasswd has no per-repository access).
const GRANTS = { alice: ['*'], bob: ['team/app'] };
const FAST_RETRY: VerifyOptions = { retry: { attempts: 3, baseMs: 20, maxDelayMs: 1500 }, timeoutMs: 30_000 };

type SetupName = 'htpasswd-tls' | 'token-tls' | 'htpasswd-http';
let ca: TestCA;
const setups = {} as Record<SetupName, TestRegistry>;
const digests: Record<string, string> = {};
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ca = await createTestCA();
  const [a, b, c] = await Promise.all([
    startRegistry({ auth: 'htpasswd', tls: true, ca, users: USERS }),
    startRegistry({ auth: 'token', tls: true, ca, users: USERS, grants: GRANTS }),
    startRegistry({ auth: 'htpasswd', tls: false, users: USERS }),
  ]);
  Object.assign(setups, { 'htpasswd-tls': a, 'token-tls': b, 'htpasswd-http': c });
  cleanup.push(
    () => a.stop(),
    () => b.stop(),
    () => c.stop(),
  );
  await Promise.all(
    Object.values(setups).map(async (registry) => {
      digests.app = (await pushImage(registry, 'team/app:1.0')).digest;
      digests.multi = (
        await pushImage(registry, 'team/multi:1.0', {
          platforms: ['linux/amd64', 'linux/arm64/v8'],
          attestation: true,
        })
      ).digest;
    }),
  );
});

afterAll(async () => {
  await Promise.all(cleanup.map((stop) => stop()));
  if (ca) await fs.rm(ca.dir, { recursive: true, force: true });
});

type Who = 'alice' | 'bob' | 'wrong-password' | 'unknown-user' | 'anonymous';
const login = (who: Who): [string, string] | undefined =>
  who === 'anonymous'
    ? undefined
    : who === 'wrong-password'
      ? ['alice', 'not-the-password']
      : who === 'unknown-user'
        ? ['mallory', 'whatever-pw']
        : [who, USERS[who]];

interface Case {
  name: string;
  /** Path after the host; `@multi`/`@app` become that image's digest. */
  image: string;
  who: Who;
  /** Trust the test CA (TLS set-ups). */
  trusted?: boolean;
  platforms?: string[];
  want: Partial<Record<SetupName, VerdictStatus>> & { default: VerdictStatus };
}

const CASES: Case[] = [
  {
    name: 'right credentials, single platform',
    image: 'team/app:1.0',
    who: 'alice',
    want: { default: 'ok' },
  },
  {
    name: 'right credentials, multi-platform',
    image: 'team/multi:1.0',
    who: 'alice',
    want: { default: 'ok' },
  },
  { name: 'wrong password', image: 'team/app:1.0', who: 'wrong-password', want: { default: 'unauthorized' } },
  { name: 'unknown user', image: 'team/app:1.0', who: 'unknown-user', want: { default: 'unauthorized' } },
  {
    name: 'anonymous',
    image: 'team/app:1.0',
    who: 'anonymous',
    // Without a credential saying http://, we speak https (as docker does without insecure-registries).
    want: { default: 'unauthorized', 'htpasswd-http': 'tls' },
  },
  {
    name: 'user without access to one repository',
    image: 'team/multi:1.0',
    who: 'bob',
    want: { default: 'ok', 'token-tls': 'denied' },
  },
  { name: 'user with access to the other one', image: 'team/app:1.0', who: 'bob', want: { default: 'ok' } },
  { name: 'missing tag', image: 'team/app:2.0', who: 'alice', want: { default: 'not-found' } },
  { name: 'missing repository', image: 'team/nope:1.0', who: 'alice', want: { default: 'not-found' } },
  { name: 'digest reference', image: 'team/multi@multi', who: 'alice', want: { default: 'ok' } },
  {
    name: 'missing digest',
    image: `team/app@sha256:${'0'.repeat(64)}`,
    who: 'alice',
    want: { default: 'not-found' },
  },
  {
    name: 'untrusted CA',
    image: 'team/app:1.0',
    who: 'alice',
    trusted: false,
    want: { default: 'tls', 'htpasswd-http': 'ok' },
  },
  {
    name: 'platform present in an index',
    image: 'team/multi:1.0',
    who: 'alice',
    platforms: ['linux/arm64'],
    want: { default: 'ok' },
  },
  {
    name: 'platform absent from an index',
    image: 'team/multi:1.0',
    who: 'alice',
    platforms: ['linux/amd64', 'linux/s390x'],
    want: { default: 'platform-missing' },
  },
  {
    name: 'platform of a single manifest',
    image: 'team/app:1.0',
    who: 'alice',
    platforms: ['linux/amd64'],
    want: { default: 'ok' },
  },
  {
    name: 'platform absent from a single manifest',
    image: 'team/app:1.0',
    who: 'alice',
    platforms: ['linux/arm64'],
    want: { default: 'platform-missing' },
  },
];

function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  return { os: os!, architecture: architecture!, ...(variant ? { variant } : {}) };
}

function credentialsFor(registry: TestRegistry, who: Who, host = registry.host): Credential[] {
  const pair = login(who);
  if (!pair) return [];
  const address = parseRegistry(registry.ca ? host : `http://${host}`);
  return [{ address, username: pair[0], password: pair[1] }];
}

function plan(images: string[], options: { trusted?: boolean; platforms?: string[] } = {}): VerificationPlan {
  return {
    mode: 'fail',
    images: images.map((i) => parseImageReference(i)),
    platforms: (options.platforms ?? []).map(parsePlatform),
    tlsVerify: true,
    ...(options.trusted === false ? {} : { caCert: ca.caPem }),
  };
}

/** skopeo with the same credentials (a docker config.json under HOME) and the same trust. */
async function skopeo(registry: TestRegistry, image: string, who: Who, trusted: boolean, raw: boolean) {
  const pair = login(who);
  const auth = pair ? await writeAuthFile(image.split('/')[0]!, ...pair) : undefined;
  try {
    return await skopeoInspect({
      image,
      raw,
      ...(auth ? { home: auth.home } : {}),
      ...(registry.ca ? (trusted ? { certDir: ca.certDir } : {}) : { tlsVerify: false }),
    });
  } finally {
    if (auth) await fs.rm(auth.home, { recursive: true, force: true });
  }
}

/** Whether skopeo's view of the image has every requested platform. */
async function skopeoHasPlatforms(registry: TestRegistry, image: string, who: Who, platforms: string[]) {
  const raw = await skopeo(registry, image, who, true, true);
  expect(raw.code).toBe(0);
  const manifest = JSON.parse(raw.stdout) as { manifests?: unknown[] };
  let available: Platform[];
  if (manifest.manifests) {
    available = indexPlatforms(manifest as Parameters<typeof indexPlatforms>[0]);
  } else {
    const inspected = await skopeo(registry, image, who, true, false);
    const { Os, Architecture } = JSON.parse(inspected.stdout) as { Os: string; Architecture: string };
    available = [{ os: Os, architecture: Architecture }];
  }
  return platforms.map(parsePlatform).every((w) => available.some((p) => platformMatches(w, p)));
}

describe.each(['htpasswd-tls', 'token-tls', 'htpasswd-http'] as const)('%s', (setupName) => {
  it.each(CASES)('$name', async (c) => {
    const registry = setups[setupName];
    const image = `${registry.host}/${c.image.replace('@multi', `@${digests.multi}`)}`;
    const trusted = c.trusted ?? true;
    const creds = credentialsFor(registry, c.who);
    const [verdict] = await verifyAll(
      plan([image], { trusted, platforms: c.platforms ?? [] }),
      creds,
      FAST_RETRY,
    );
    const want = c.want[setupName] ?? c.want.default;
    expect(verdict, verdict?.message).toMatchObject({ status: want, image });
    // The scheme is known once the ping got through.
    const scheme = want === 'tls' ? 'none' : registry.auth === 'token' ? 'bearer' : 'basic';
    expect(verdict!.authScheme).toBe(scheme);
    expect(JSON.stringify(verdict)).not.toMatch(/secret-pw|not-the-password|whatever-pw/);

    // skopeo's answer: it pulls the manifest (and, when asked, finds every platform), by this digest.
    const raw = await skopeo(registry, image, c.who, trusted, true);
    const pullable =
      raw.code === 0 && (!c.platforms || (await skopeoHasPlatforms(registry, image, c.who, c.platforms)));
    const known = c.image.startsWith('team/app') ? digests.app : digests.multi;
    const ok = verdict!.status === 'ok';
    expect({ ok, digest: ok ? verdict!.digest : undefined }, raw.stderr).toEqual({
      ok: pullable,
      digest: pullable ? known : undefined,
    });
    expect(raw.code === 0 ? sha256Digest(raw.stdout) : known).toBe(known);
  });
});

describe('messages and details', () => {
  it.each([
    [
      'wrong password',
      'htpasswd-tls',
      'wrong-password',
      'team/app:1.0',
      /check the password secret for 127\.0\.0\.1:\d+$/,
    ],
    ['token wrong password', 'token-tls', 'wrong-password', 'team/app:1.0', /check the password secret/],
    ['anonymous', 'token-tls', 'anonymous', 'team/app:1.0', /no credentials were given/],
    ['missing tag', 'htpasswd-tls', 'alice', 'team/app:2.0', /^tag 2\.0 does not exist in team\/app$/],
    ['denied', 'token-tls', 'bob', 'team/multi:1.0', /no pull access to team\/multi/],
  ] as const)('%s', async (_name, setupName, who, path, message) => {
    const registry = setups[setupName];
    const [verdict] = await verifyAll(plan([`${registry.host}/${path}`]), credentialsFor(registry, who));
    expect(verdict!.message).toMatch(message);
  });

  it('an untrusted certificate names the ca-cert input, then verifies once the CA is given', async () => {
    const registry = setups['htpasswd-tls'];
    const images = [`${registry.host}/team/app:1.0`];
    const [untrusted] = await verifyAll(plan(images, { trusted: false }), credentialsFor(registry, 'alice'));
    expect(untrusted).toMatchObject({ status: 'tls' });
    expect(untrusted!.message).toMatch(/ca-cert/);
    const [trusted] = await verifyAll(plan(images), credentialsFor(registry, 'alice'));
    expect(trusted!.status).toBe('ok');
    // tls-verify: false skips the check entirely.
    const [unverified] = await verifyAll(
      { ...plan(images, { trusted: false }), tlsVerify: false },
      credentialsFor(registry, 'alice'),
    );
    expect(unverified!.status).toBe('ok');
  });

  it('an HTTP registry written without http:// fails TLS and says how to write it', async () => {
    const registry = setups['htpasswd-http'];
    const image = `${registry.host}/team/app:1.0`;
    const creds = [{ address: parseRegistry(registry.host), username: 'alice', password: USERS.alice }];
    const [verdict] = await verifyAll(plan([image]), creds);
    expect(verdict).toMatchObject({ status: 'tls' });
    expect(verdict!.message).toContain(`http://${registry.host}`);
    const raw = await skopeo({ ...registry, ca }, image, 'alice', true, true);
    expect(raw.code).not.toBe(0);
  });

  it('lists index platforms without the attestation entry', async () => {
    const registry = setups['token-tls'];
    const [verdict] = await verifyAll(
      plan([`${registry.host}/team/multi:1.0`], { platforms: ['linux/amd64'] }),
      credentialsFor(registry, 'alice'),
    );
    expect(verdict).toMatchObject({
      status: 'ok',
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
  });

  it('one failing image never hides the others, and verdicts keep input order', async () => {
    const registry = setups['token-tls'];
    const down = await closedPort();
    const images = [
      `${registry.host}/team/app:1.0`,
      `${down}/team/app:1.0`,
      `${registry.host}/team/app:nope`,
      `${registry.host}/team/multi:1.0`,
    ];
    const verdicts = await verifyAll(plan(images), credentialsFor(registry, 'alice'));
    expect(verdicts.map((v) => [v.image, v.status])).toEqual([
      [images[0], 'ok'],
      [images[1], 'unreachable'],
      [images[2], 'not-found'],
      [images[3], 'ok'],
    ]);
  });
});

describe('down and faulty registries', () => {
  it('registry down → unreachable, as skopeo fails', async () => {
    const host = await closedPort();
    const image = `${host}/team/app:1.0`;
    const [verdict] = await verifyAll(plan([image]), [], FAST_RETRY);
    expect(verdict).toMatchObject({ status: 'unreachable' });
    expect(verdict!.message).toMatch(/ECONNREFUSED.*inside a cluster needs verify: warn/);
    const raw = await skopeoInspect({ image, tlsVerify: false });
    expect(raw.code).not.toBe(0);
  });

  it('token server down → unreachable naming the token server, as skopeo fails', async () => {
    const registry = await startRegistry({ auth: 'token', tls: true, ca, users: USERS });
    try {
      await pushImage(registry, 'team/app:1.0');
      await registry.stopTokenServer();
      const image = `${registry.host}/team/app:1.0`;
      const [verdict] = await verifyAll(plan([image]), credentialsFor(registry, 'alice'), FAST_RETRY);
      expect(verdict).toMatchObject({ status: 'unreachable', authScheme: 'bearer' });
      expect(verdict!.message).toMatch(/token server/);
      expect((await skopeo(registry, image, 'alice', true, true)).code).not.toBe(0);
    } finally {
      await registry.stop();
    }
  });

  interface FaultCase {
    name: string;
    faults: Fault[];
    want: VerdictStatus;
    /** Manifest requests the proxy must have seen. */
    manifestRequests: number;
    message: RegExp;
    /** Persistent faults: skopeo fails too; passing ones it gets through (they are spent). */
    skopeoFails: boolean;
  }
  const manifests = /^(HEAD|GET) \/v2\/team\/app\/manifests\//;
  it.each<FaultCase>([
    {
      name: '429 once with Retry-After, then success',
      faults: [{ match: manifests, status: 429, retryAfter: '1', times: 1 }],
      want: 'ok',
      manifestRequests: 2,
      message: /^team\/app:1\.0 can be pulled \(sha256:[0-9a-f]{64}\)$/,
      skopeoFails: false,
    },
    {
      name: '503 twice, then success',
      faults: [{ match: manifests, status: 503, times: 2 }],
      want: 'ok',
      manifestRequests: 3,
      message: /^team\/app:1\.0 can be pulled \(sha256:[0-9a-f]{64}\)$/,
      skopeoFails: false,
    },
    {
      name: 'connection reset once, then success',
      faults: [{ match: manifests, reset: true, times: 1 }],
      want: 'ok',
      manifestRequests: 2,
      message: /^team\/app:1\.0 can be pulled \(sha256:[0-9a-f]{64}\)$/,
      skopeoFails: false,
    },
    {
      name: 'ping 502 once, then success',
      faults: [{ match: /^GET \/v2\/ /, status: 502, times: 1 }],
      want: 'ok',
      manifestRequests: 1,
      message: /^team\/app:1\.0 can be pulled \(sha256:[0-9a-f]{64}\)$/,
      skopeoFails: false,
    },
    {
      name: 'persistent 429',
      faults: [{ match: manifests, status: 429, retryAfter: '1' }],
      want: 'rate-limited',
      manifestRequests: 3,
      message: /retry after 1 s/,
      skopeoFails: true,
    },
    {
      name: 'persistent 500',
      faults: [{ match: manifests, status: 500 }],
      want: 'error',
      manifestRequests: 3,
      message: /answered 500/,
      skopeoFails: true,
    },
  ])('$name', async (c) => {
    const registry = setups['htpasswd-http'];
    const proxy = await startFaultProxy(registry.url, c.faults);
    try {
      const image = `${proxy.host}/team/app:1.0`;
      const creds = credentialsFor(registry, 'alice', proxy.host);
      const started = Date.now();
      const [verdict] = await verifyAll(plan([image]), creds, FAST_RETRY);
      expect(verdict, verdict?.message).toMatchObject({ status: c.want });
      expect(verdict!.message).toMatch(c.message);
      // Retry-After is honoured: the wait is at least the second it names.
      expect(Date.now() - started).toBeGreaterThanOrEqual(c.faults[0]?.retryAfter ? 900 : 0);
      const manifestCount = proxy.requests.filter((r) => manifests.test(`${r.method} ${r.path}`)).length;
      expect(manifestCount).toBe(c.manifestRequests);
      const raw = await skopeo(registry, image, 'alice', true, true);
      expect(raw.code !== 0, raw.stderr).toBe(c.skopeoFails);
    } finally {
      await proxy.stop();
    }
  });
});

describe('request floor: 1 ping and 1 token request per registry, 1 manifest request per image', () => {
  let proxies: FaultProxy[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    proxies = [];
  });

  it.each(['token-tls', 'htpasswd-tls', 'htpasswd-http'] as const)('%s', async (setupName) => {
    const registry = setups[setupName];
    const proxy = await startFaultProxy(registry.url, [], registry.ca ? { ca } : {});
    proxies.push(proxy);
    const tokensBefore = registry.tokenLog.length;
    const images = [
      'team/app:1.0',
      `team/app@${digests.app}`,
      'team/multi:1.0',
      `team/multi@${digests.multi}`,
      'team/app:1.0',
    ].map((path) => `${proxy.host}/${path}`);
    const verdicts = await verifyAll(plan(images), credentialsFor(registry, 'alice', proxy.host));
    expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const pings = proxy.requests.filter((r) => r.path === '/v2/');
    const manifestRequests = proxy.requests.filter((r) => r.path.includes('/manifests/'));
    expect(pings).toHaveLength(1);
    expect(manifestRequests).toHaveLength(images.length);
    expect(manifestRequests.every((r) => r.method === 'HEAD' && r.authorization)).toBe(true);
    expect(proxy.requests).toHaveLength(1 + images.length);
    const tokens = registry.tokenLog.slice(tokensBefore);
    // Every repository's scope in one token request.
    expect(tokens.map((t) => t.scopes.join(' '))).toEqual(
      registry.auth === 'token' ? ['repository:team/app:pull repository:team/multi:pull'] : [],
    );
  });
});

describe('one token request for every repository, whatever the token server makes of it', () => {
  const issuers = {} as Record<MultiScope, TestRegistry>;
  beforeAll(async () => {
    issuers.grant = setups['token-tls'];
    const [firstOnly, refuse] = await Promise.all(
      (['first-only', 'refuse'] as const).map((multiScope) =>
        startRegistry({ auth: 'token', tls: true, ca, users: USERS, grants: GRANTS, multiScope }),
      ),
    );
    Object.assign(issuers, { 'first-only': firstOnly, refuse });
    cleanup.push(
      () => firstOnly!.stop(),
      () => refuse!.stop(),
    );
    await Promise.all([firstOnly!, refuse!].map((r) => pushImage(r, 'team/multi:1.0')));
    await Promise.all([firstOnly!, refuse!].map((r) => pushImage(r, 'team/app:1.0')));
  });

  const APP = 'repository:team/app:pull';
  const MULTI = 'repository:team/multi:pull';
  // Token requests, each as its scopes; then each image's verdict, as skopeo (one token per image) sees it.
  it.each<[MultiScope, Who, string[], VerdictStatus[]]>([
    ['grant', 'alice', [`${APP} ${MULTI}`], ['ok', 'ok']],
    // bob may not pull team/multi: the shared token lacks it, and so does one asked for it alone.
    ['grant', 'bob', [`${APP} ${MULTI}`, MULTI], ['ok', 'denied']],
    // A server that grants the first scope only: the second repository asks again, alone.
    ['first-only', 'alice', [`${APP} ${MULTI}`, MULTI], ['ok', 'ok']],
    // A server that refuses several scopes: each repository asks alone.
    ['refuse', 'alice', [`${APP} ${MULTI}`, APP, MULTI], ['ok', 'ok']],
    ['refuse', 'bob', [`${APP} ${MULTI}`, APP, MULTI], ['ok', 'denied']],
  ])('%s, %s: token requests %j, verdicts %j', async (multiScope, who, requests, statuses) => {
    const registry = issuers[multiScope];
    const before = registry.tokenLog.length;
    const images = ['team/app:1.0', 'team/multi:1.0'].map((p) => `${registry.host}/${p}`);
    const verdicts = await verifyAll(plan(images), credentialsFor(registry, who), FAST_RETRY);
    expect(verdicts.map((v) => v.status)).toEqual(statuses);
    const asked = registry.tokenLog.slice(before).map((t) => t.scopes.join(' '));
    // The shared request goes first; those made alone follow in either order.
    expect(asked[0]).toBe(requests[0]);
    expect(asked.slice(1).sort()).toEqual(requests.slice(1).sort());
    const pulls = await Promise.all(images.map((image) => skopeo(registry, image, who, true, true)));
    expect(pulls.map((r) => r.code === 0)).toEqual(statuses.map((s) => s === 'ok'));
  });
});

describe('with no images: a login check per registry', () => {
  it.each<[string, SetupName, Who, VerdictStatus]>([
    ['token, right password', 'token-tls', 'alice', 'ok'],
    ['token, wrong password', 'token-tls', 'wrong-password', 'unauthorized'],
    ['token, unknown user', 'token-tls', 'unknown-user', 'unauthorized'],
    ['htpasswd TLS, right password', 'htpasswd-tls', 'alice', 'ok'],
    ['htpasswd TLS, wrong password', 'htpasswd-tls', 'wrong-password', 'unauthorized'],
    ['htpasswd HTTP, right password', 'htpasswd-http', 'alice', 'ok'],
    ['htpasswd HTTP, unknown user', 'htpasswd-http', 'unknown-user', 'unauthorized'],
  ])('%s', async (_name, setupName, who, want) => {
    const registry = setups[setupName];
    const creds = credentialsFor(registry, who);
    const verdicts = await verifyAll(plan([]), creds);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({
      status: want,
      image: creds[0]!.address.key,
      repository: '',
      reference: '',
      authScheme: registry.auth === 'token' ? 'bearer' : 'basic',
    });
    expect(JSON.stringify(verdicts)).not.toMatch(/secret-pw|not-the-password|whatever-pw/);
  });
});
