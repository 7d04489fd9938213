import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../src/registry/challenge.js';
import { errorCodes, type Client } from '../src/http/transport.js';
import { TokenCache } from '../src/registry/token.js';
import { parseRetryAfter } from '../src/retry.js';
import { parseImageReference, ReferenceError } from '../src/registry/reference.js';
import {
  classifyError,
  classifyResponse,
  indexPlatforms,
  parseRateLimit,
  platformMatches,
  registryErrorCodes,
  type ResponseContext,
} from '../src/registry/verify.js';

describe('parseChallenges', () => {
  it.each([
    {
      name: 'Bearer with quoted params',
      headers: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
      want: [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
        },
      ],
    },
    {
      name: 'scheme and keys are case-insensitive',
      headers: 'BEARER Realm="https://r/t", SERVICE=svc',
      want: [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 'svc' } }],
    },
    {
      name: 'commas inside quotes and escaped quotes',
      headers: 'Bearer realm="https://r/t",scope="repository:a/b:pull,push",error="say \\"no\\""',
      want: [
        {
          scheme: 'bearer',
          params: { realm: 'https://r/t', scope: 'repository:a/b:pull,push', error: 'say "no"' },
        },
      ],
    },
    {
      name: 'several headers',
      headers: ['Basic realm="basic-realm"', 'Bearer realm="https://r/t",service="s"'],
      want: [
        { scheme: 'basic', params: { realm: 'basic-realm' } },
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
      ],
    },
    {
      name: 'several challenges in one header (how a joined header looks)',
      headers: 'Basic realm="x", Bearer realm="https://r/t", service="s"',
      want: [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
      ],
    },
    { name: 'scheme without params', headers: 'Negotiate', want: [{ scheme: 'negotiate', params: {} }] },
    { name: 'empty', headers: '', want: [] },
    { name: 'missing', headers: undefined, want: [] },
  ])('$name', ({ headers, want }) => {
    expect(parseChallenges(headers)).toEqual(want);
  });
});

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', 'latest', 'docker.io/library/nginx:latest'],
    ['team/app:1.0', 'docker.io', 'team/app', '1.0', 'docker.io/team/app:1.0'],
    ['index.docker.io/team/app', 'docker.io', 'team/app', 'latest', 'docker.io/team/app:latest'],
    ['localhost/app', 'localhost', 'app', 'latest', 'localhost/app:latest'],
    ['127.0.0.1:5000/team/app:v2', '127.0.0.1:5000', 'team/app', 'v2', '127.0.0.1:5000/team/app:v2'],
    ['ghcr.io/o/r/deep/name:x_y.z-1', 'ghcr.io', 'o/r/deep/name', 'x_y.z-1', 'ghcr.io/o/r/deep/name:x_y.z-1'],
    [
      `r.io/a@sha256:${'a'.repeat(64)}`,
      'r.io',
      'a',
      `sha256:${'a'.repeat(64)}`,
      `r.io/a@sha256:${'a'.repeat(64)}`,
    ],
  ])('%s', (input, domain, repository, reference, canonical) => {
    const ref = parseImageReference(input);
    expect(ref).toMatchObject({ domain, repository, reference, canonical });
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(64), /image ID/],
    ['Team/App', /lowercase|invalid/],
    ['r.io/app:-bad', /invalid tag/],
    ['r.io/app@sha256:abc', /invalid digest|64/],
    ['r.io/app@sha256:' + 'A'.repeat(64), /64 lowercase/],
    ['r.io/a__-b', /invalid repository/],
    [':tag', /no repository/],
    [`r.io/${'a'.repeat(260)}`, /255/],
  ])('rejects %j', (input, message) => {
    expect(() => parseImageReference(input)).toThrow(ReferenceError);
    expect(() => parseImageReference(input)).toThrow(message);
  });
});

describe('parseRateLimit', () => {
  it.each([
    ['100;w=21600', '20;w=21600', { limit: 100, remaining: 20, window: 21600 }],
    ['100', '99', { limit: 100, remaining: 99 }],
    [' 200 ; w = 60 ', '0', { limit: 200, remaining: 0, window: 60 }],
    [undefined, '20;w=21600', undefined],
    ['lots', '20', undefined],
  ])('%j / %j', (limit, remaining, want) => {
    expect(parseRateLimit(limit, remaining)).toEqual(want);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['3', 3000],
    ['0', 0],
    ['Wed, 01 Jan 2025 00:00:10 GMT', 10_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%j', (value, want) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe('registryErrorCodes', () => {
  it.each([
    ['{"errors":[{"code":"DENIED","message":"x"},{"code":"UNAUTHORIZED"}]}', ['DENIED', 'UNAUTHORIZED']],
    ['<html>nope</html>', []],
    ['', []],
    ['{"errors":[{"message":"no code"}]}', []],
  ])('%s', (body, want) => {
    expect(registryErrorCodes(body)).toEqual(want);
  });
});

describe('classifyResponse', () => {
  const base: ResponseContext = {
    status: 0,
    codes: [],
    authScheme: 'bearer',
    hasCredentials: true,
    registry: 'r.io',
    repository: 'team/app',
    reference: 'v2',
  };
  it.each<[string, Partial<ResponseContext>, string, RegExp]>([
    [
      'token endpoint 401 with creds',
      { status: 401, tokenEndpoint: true },
      'unauthorized',
      /rejected these credentials: check the password secret for r\.io/,
    ],
    [
      'token endpoint 401 anonymous',
      { status: 401, tokenEndpoint: true, hasCredentials: false },
      'unauthorized',
      /no credentials were given for it/,
    ],
    [
      'token endpoint 500',
      { status: 500, tokenEndpoint: true },
      'error',
      /token server of r\.io answered 500/,
    ],
    [
      'Basic 401 with creds',
      { status: 401, authScheme: 'basic' },
      'unauthorized',
      /rejected these credentials/,
    ],
    [
      'Basic 401 anonymous',
      { status: 401, authScheme: 'basic', hasCredentials: false },
      'unauthorized',
      /no credentials/,
    ],
    ['Bearer 401 after a token', { status: 401 }, 'denied', /no pull access to team\/app on r\.io/],
    ['Bearer 401 anonymous', { status: 401, hasCredentials: false }, 'unauthorized', /no credentials/],
    ['insufficient_scope', { status: 401, challengeError: 'insufficient_scope' }, 'denied', /no pull access/],
    ['403', { status: 403 }, 'denied', /no pull access/],
    ['DENIED code', { status: 401, codes: ['DENIED'], authScheme: 'basic' }, 'denied', /no pull access/],
    [
      'MANIFEST_UNKNOWN',
      { status: 404, codes: ['MANIFEST_UNKNOWN'] },
      'not-found',
      /^tag v2 does not exist in team\/app$/,
    ],
    [
      'NAME_UNKNOWN',
      { status: 404, codes: ['NAME_UNKNOWN'] },
      'not-found',
      /repository team\/app does not exist on r\.io/,
    ],
    [
      'bare 404 by digest',
      { status: 404, reference: `sha256:${'0'.repeat(64)}` },
      'not-found',
      /^digest sha256:0+ does not exist/,
    ],
    ['429 with Retry-After', { status: 429, retryAfter: '30' }, 'rate-limited', /429\); retry after 30 s$/],
    ['429 anonymous', { status: 429, hasCredentials: false }, 'rate-limited', /give credentials/],
    ['TOOMANYREQUESTS code', { status: 503, codes: ['TOOMANYREQUESTS'] }, 'rate-limited', /rate-limiting/],
    ['500', { status: 500, codes: ['UNKNOWN'] }, 'error', /answered 500 UNKNOWN for team\/app:v2/],
  ])('%s', (_name, ctx, status, message) => {
    const result = classifyResponse({ ...base, ...ctx });
    expect(result.status).toBe(status);
    expect(result.message).toMatch(message);
  });
});

describe('classifyError', () => {
  const coded = (code: string, wrapped = true) => {
    const inner = Object.assign(new Error('inner'), { code });
    return wrapped ? new TypeError('fetch failed', { cause: inner }) : inner;
  };
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', /ca-cert input/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', /ca-cert/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', /ca-cert/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', /is for other names, not h \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    ['CERT_HAS_EXPIRED', 'tls', /has expired \(CERT_HAS_EXPIRED\): the server must renew it/],
    ['CERT_NOT_YET_VALID', 'tls', /is not valid yet .*check the clocks/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', /http:\/\/h:1/],
    ['ECONNREFUSED', 'unreachable', /inside a cluster needs verify: warn/],
    ['ENOTFOUND', 'unreachable', /verify: warn/],
    ['UND_ERR_CONNECT_TIMEOUT', 'unreachable', /verify: warn/],
    ['ECONNRESET', 'unreachable', /ECONNRESET/],
    ['EWHATEVER', 'error', /failed: fetch failed/],
  ])('%s', (code, status, message) => {
    const result = classifyError(coded(code), 'h:1');
    expect(result).toMatchObject({ status });
    expect(result.message).toMatch(message);
  });

  it('finds codes through the cause chain and timeouts by name', () => {
    expect(errorCodes(coded('ECONNREFUSED'))).toEqual(['ECONNREFUSED']);
    expect(errorCodes(new DOMException('t', 'TimeoutError'))).toEqual(['TimeoutError']);
    expect(classifyError(new DOMException('t', 'TimeoutError'), 'h:1').status).toBe('unreachable');
  });
});

describe('platforms', () => {
  it.each([
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }, true],
    [
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
      false,
    ],
    [{ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v6' }, true],
    [{ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }, false],
  ])('%j on %j → %s', (wanted, available, want) => {
    expect(platformMatches(wanted, available)).toBe(want);
  });

  it('lists index platforms without attestations', () => {
    const index = {
      manifests: [
        { platform: { os: 'linux', architecture: 'amd64' } },
        { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { platform: { os: 'unknown', architecture: 'unknown' } },
        {},
      ],
    };
    expect(indexPlatforms(index)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
  });
});

describe('TokenCache.prefetch: several repositories per token request', () => {
  /** A token server answering each request with a token of its own; `refuse` answers 400 to several scopes. */
  function tokenServer(refuse = false) {
    const urls: URL[] = [];
    const client: Client = {
      dispatcher: undefined as never,
      close: () => Promise.resolve(),
      request: (req) => {
        const url = new URL(req.url);
        urls.push(url);
        const several = url.searchParams.getAll('scope').length > 1;
        const body = refuse && several ? '{}' : JSON.stringify({ token: `t${urls.length}`, expires_in: 300 });
        return Promise.resolve({
          status: refuse && several ? 400 : 200,
          headers: {},
          body: Buffer.from(body),
          url: req.url,
          attempts: 1,
        });
      },
    };
    return { client, urls };
  }
  const REQUEST = { realm: 'https://auth.example.com/token', service: 'registry.example.com' };
  const scopes = (n: number) =>
    Array.from({ length: n }, (_, i) => `repository:fleet/service-${String(i).padStart(3, '0')}:pull`);

  it.each([
    { repositories: 1, requests: 1 },
    { repositories: 3, requests: 1 },
    { repositories: 20, requests: 1 },
    // Queries stay under 2,000 characters: ~45 scopes of this length per request.
    { repositories: 200, requests: 5 },
  ])('$repositories repositories: $requests request(s), every scope asked once', async (c) => {
    const { client, urls } = tokenServer();
    const cache = new TokenCache(client);
    const wanted = scopes(c.repositories);
    cache.prefetch(REQUEST, wanted);
    const tokens = await Promise.all(wanted.map((scope) => cache.get({ ...REQUEST, scope })));
    expect(urls).toHaveLength(c.requests);
    expect(urls.flatMap((u) => u.searchParams.getAll('scope')).sort()).toEqual([...wanted].sort());
    expect(Math.max(...urls.map((u) => u.search.length))).toBeLessThanOrEqual(2000);
    expect(tokens.every((t) => cache.isShared(t))).toBe(c.repositories > 1);
  });

  it('a server refusing several scopes: each repository asks alone, and its token is its own', async () => {
    const { client, urls } = tokenServer(true);
    const cache = new TokenCache(client);
    const wanted = scopes(3);
    cache.prefetch(REQUEST, wanted);
    const tokens = await Promise.all(wanted.map((scope) => cache.get({ ...REQUEST, scope })));
    expect(urls.map((u) => u.searchParams.getAll('scope').length)).toEqual([3, 1, 1, 1]);
    expect(new Set(tokens).size).toBe(3);
    expect(tokens.some((t) => cache.isShared(t))).toBe(false);
  });

  it('own(): a token asked for alone replaces the shared one, once for all its callers', async () => {
    const { client, urls } = tokenServer();
    const cache = new TokenCache(client);
    const [first, second] = scopes(2) as [string, string];
    cache.prefetch(REQUEST, [first, second]);
    const shared = await cache.get({ ...REQUEST, scope: second });
    const owns = await Promise.all([1, 2, 3].map(() => cache.own({ ...REQUEST, scope: second })));
    expect(cache.isShared(shared)).toBe(true);
    expect(new Set(owns).size).toBe(1);
    expect(owns[0]).not.toBe(shared);
    expect(cache.isShared(owns[0]!)).toBe(false);
    expect(await cache.get({ ...REQUEST, scope: second })).toBe(owns[0]);
    expect(urls.map((u) => u.searchParams.getAll('scope'))).toEqual([[first, second], [second]]);
  });
});
